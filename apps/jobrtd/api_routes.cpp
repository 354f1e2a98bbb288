#include "api_routes.hpp"

#include "cli/decimal_arg.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <vector>

namespace jobrtd {

namespace {

std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto end = std::min(path.find('/'), path.size());
    parts.push_back(path.substr(0, end));
    path.remove_prefix(end);
  }
  return parts;
}

problem not_found(std::string_view path) {
  return {404, "no_route", "no endpoint at " + std::string(path), "", 0};
}

problem wrong_method(std::string_view method, std::string_view path) {
  return {405, "method_not_allowed",
          std::string(method) + " is not allowed on " + std::string(path), "", 0};
}

/// One path with the endpoint of each method it allows.
struct path_methods {
  std::optional<endpoint> get, post, del;
};

jobrt::result<route, problem> pick(const path_methods& m, std::string_view method,
                                   std::string_view path, jobrt::job_id id = 0) {
  std::optional<endpoint> e;
  if (method == "GET" || method == "HEAD")
    e = m.get;
  else if (method == "POST")
    e = m.post;
  else if (method == "DELETE")
    e = m.del;
  if (!e)
    return wrong_method(method, path);
  return route{*e, id};
}

jobrt::result<jobrt::job_id, problem> id_of(std::string_view text) {
  constexpr auto max_id =
      static_cast<std::uint64_t>(std::numeric_limits<jobrt::job_id>::max());
  auto id = jobrt::cli::parse_decimal_arg("id", text, {1, max_id});
  if (!id)
    return problem{400, "invalid_id", id.error().message, "id", 0};
  return static_cast<jobrt::job_id>(id.value());
}

std::optional<path_methods> top_level(std::string_view name) {
  if (name == "jobs")
    return path_methods{endpoint::list_jobs, endpoint::enqueue, {}};
  if (name == "stats")
    return path_methods{endpoint::stats, {}, {}};
  if (name == "breakers")
    return path_methods{endpoint::breakers, {}, {}};
  if (name == "events")
    return path_methods{endpoint::events, {}, {}};
  if (name == "metrics")
    return path_methods{endpoint::metrics, {}, {}};
  if (name == "healthz")
    return path_methods{endpoint::healthz, {}, {}};
  if (name == "readyz")
    return path_methods{endpoint::readyz, {}, {}};
  if (name == "whoami")
    return path_methods{endpoint::whoami, {}, {}};
  return std::nullopt;
}

} // namespace

jobrt::result<route, problem> match_route(std::string_view method,
                                          std::string_view path) {
  auto parts = segments_of(path);
  if (parts.empty() || (parts.size() == 2 && parts[0] == "dashboard"))
    return pick({endpoint::dashboard, {}, {}}, method, path);
  if (parts.size() == 1) {
    if (auto m = top_level(parts[0]))
      return pick(*m, method, path);
    return not_found(path);
  }
  if (parts[0] != "jobs" || parts.size() > 3)
    return not_found(path);
  if (parts.size() == 2 && parts[1] == "requeue")
    return pick({{}, endpoint::bulk_requeue, {}}, method, path);
  if (parts.size() == 2 && parts[1] == "purge")
    return pick({{}, endpoint::bulk_purge, {}}, method, path);
  auto id = id_of(parts[1]);
  if (!id)
    return id.error();
  if (parts.size() == 2)
    return pick({endpoint::get_job, {}, endpoint::purge_job}, method, path,
                id.value());
  if (parts[2] == "cancel")
    return pick({{}, endpoint::cancel_job, {}}, method, path, id.value());
  if (parts[2] == "requeue")
    return pick({{}, endpoint::requeue_job, {}}, method, path, id.value());
  return not_found(path);
}

std::optional<role> required_role(endpoint e) noexcept {
  switch (e) {
    case endpoint::healthz:
    case endpoint::readyz:
    case endpoint::whoami:
    case endpoint::dashboard: return std::nullopt;
    case endpoint::enqueue: return role::enqueue;
    case endpoint::cancel_job:
    case endpoint::requeue_job:
    case endpoint::purge_job:
    case endpoint::bulk_requeue:
    case endpoint::bulk_purge: return role::admin;
    default: return role::read;
  }
}

bool reads_body(endpoint e) noexcept {
  return e == endpoint::enqueue || e == endpoint::bulk_requeue ||
         e == endpoint::bulk_purge;
}

bool is_json_media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  constexpr std::string_view json = "application/json";
  return type.size() == json.size() &&
         std::equal(type.begin(), type.end(), json.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

jobrt::result<route, problem> admit(const request_head& head,
                                    const access_policy& access,
                                    std::uint64_t max_body_bytes) {
  auto matched = match_route(head.method, head.path);
  if (!matched)
    return matched.error();
  auto r = matched.value();
  if (auto needed = required_role(r.target)) {
    switch (access.decide(head.authorization, *needed)) {
      case access_decision::allowed: break;
      case access_decision::unauthenticated:
        return problem{401, "unauthorized",
                       "send Authorization: Bearer <token>", "", 0};
      case access_decision::forbidden:
        return problem{403, "forbidden",
                       "this token's role may not " + std::string(head.method) +
                           " " + std::string(head.path) + " (needs " +
                           std::string(to_string(*needed)) + ")",
                       "", 0};
    }
  }
  bool has_body = head.chunked || head.content_length.value_or(0) > 0;
  if (head.content_length && *head.content_length > max_body_bytes)
    return problem{413, "too_large",
                   "the body has " + std::to_string(*head.content_length) +
                       " bytes, more than the limit of " +
                       std::to_string(max_body_bytes),
                   "", 0};
  if (has_body && reads_body(r.target) && !is_json_media_type(head.content_type))
    return problem{415, "unsupported_media_type",
                   "send the body as Content-Type: application/json, not '" +
                       std::string(head.content_type) + "'",
                   "", 0};
  if (r.target == endpoint::enqueue && !has_body)
    return problem{400, "missing_body", "POST /jobs needs a JSON body: a job "
                                        "spec or an array of them", "", 0};
  return r;
}

} // namespace jobrtd
