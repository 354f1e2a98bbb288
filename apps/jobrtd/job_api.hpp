#pragma once

// The HTTP API's endpoints over jobrt::runtime, one call each, without the
// HTTP: a route and the request's query and body in, an api_response out.
// Every refusal comes from the runtime (or from decoding the request) and
// is mapped by problem.hpp; nothing here decides about a job. GET /events
// (a stream), GET /whoami (the token's role) and the dashboard's files are
// the server's (http_server.cpp).
//
// `rt`, `tally` and `hub` must outlive the api. Thread-safe (as the runtime
// is): HTTP threads call handle() concurrently.

#include "api_response.hpp"
#include "api_routes.hpp"
#include "event_hub.hpp"
#include "job_filters.hpp"
#include "metrics_tally.hpp"

#include "jobrt/actors/runtime.hpp"

#include <string_view>

namespace jobrtd {

class job_api {
public:
  job_api(jobrt::runtime& rt, const metrics_tally& tally, const event_hub& hub);

  /// Any endpoint but events.
  api_response handle(const route& r, const query_params& params,
                      std::string_view body);

private:
  api_response enqueue(std::string_view body);
  api_response list(const query_params& params);
  api_response get(jobrt::job_id id);
  api_response bulk(std::string_view body, bulk_action action);
  api_response stats();
  api_response breakers();
  api_response metrics();
  api_response ready();

  jobrt::runtime& rt_;
  const metrics_tally& tally_;
  const event_hub& hub_;
};

} // namespace jobrtd
