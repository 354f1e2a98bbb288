#pragma once

// The HTTP API's table of contents (docs/http-api.md): which endpoint a
// method and path name, the role it needs, and the checks made on a
// request's headers before its body is read (route, token, size, content
// type). Pure: the server calls admit() from its pre-routing hook.

#include "access_control.hpp"
#include "problem.hpp"

#include "jobrt/messages/job.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace jobrtd {

enum class endpoint : std::uint8_t {
  enqueue,      ///< POST /jobs
  list_jobs,    ///< GET /jobs
  get_job,      ///< GET /jobs/{id}
  cancel_job,   ///< POST /jobs/{id}/cancel
  requeue_job,  ///< POST /jobs/{id}/requeue
  purge_job,    ///< DELETE /jobs/{id}
  bulk_requeue, ///< POST /jobs/requeue
  bulk_purge,   ///< POST /jobs/purge
  stats,        ///< GET /stats
  breakers,     ///< GET /breakers
  events,       ///< GET /events
  metrics,      ///< GET /metrics
  healthz,      ///< GET /healthz
  readyz,       ///< GET /readyz
  whoami,       ///< GET /whoami: the role of the request's token
  dashboard,    ///< GET / and GET /dashboard/{file}: the web dashboard
};

struct route {
  endpoint target = endpoint::healthz;
  jobrt::job_id id = 0; ///< for the /jobs/{id} endpoints

  friend bool operator==(const route&, const route&) = default;
};

/// The endpoint, or the problem: 404 for an unknown path, 405 for a known
/// path with another method, 400 for an id that is not a positive number.
jobrt::result<route, problem> match_route(std::string_view method,
                                          std::string_view path);

/// Unset: anyone may call it (healthz, readyz, whoami, the dashboard's
/// static files, which hold no data: the page asks for a token itself).
std::optional<role> required_role(endpoint e) noexcept;

/// Whether the endpoint reads a JSON body (POST /jobs needs one; the bulk
/// endpoints take an optional filter).
bool reads_body(endpoint e) noexcept;

/// The request's headers, as admit() needs them.
struct request_head {
  std::string_view method;
  std::string_view path;
  std::string_view authorization;          ///< "" when absent
  std::string_view content_type;           ///< "" when absent
  std::optional<std::uint64_t> content_length; ///< unset when absent
  bool chunked = false; ///< Transfer-Encoding: chunked
};

/// The route, or the refusal to send without reading the body:
/// 404/405/400 (route), 401/403 (token), 413 (Content-Length above
/// `max_body_bytes`), 415 (a body that is not application/json), 411 (a
/// body of unknown length where one is required).
jobrt::result<route, problem> admit(const request_head& head,
                                    const access_policy& access,
                                    std::uint64_t max_body_bytes);

/// "application/json", with or without parameters (charset), any case.
bool is_json_media_type(std::string_view content_type);

} // namespace jobrtd
