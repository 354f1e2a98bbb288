#include "problem.hpp"

namespace jobrtd {

int http_status_of(jobrt::request_error::code_type code) noexcept {
  using c = jobrt::request_error::code_type;
  switch (code) {
    case c::invalid_spec: return 400;
    case c::unknown_job_type: return 422;
    case c::not_found: return 404;
    case c::invalid_transition: return 409;
    case c::conflict: return 409;
    case c::too_large: return 413;
    case c::shutting_down: return 503;
    case c::store_failure: return 503;
    case c::not_started: return 503;
    case c::timeout: return 504;
    case c::invalid_config: return 500;
  }
  return 500;
}

int http_status_of(jobrt::json_error::code_type code) noexcept {
  using c = jobrt::json_error::code_type;
  switch (code) {
    case c::malformed:
    case c::missing_field:
    case c::wrong_type: return 400;
    case c::out_of_range:
    case c::unknown_name:
    case c::invalid_value: return 422;
  }
  return 400;
}

problem problem_of(const jobrt::request_error& e) {
  return {http_status_of(e.code), std::string(to_string(e.code)), e.message,
          "", e.id};
}

problem problem_of(const jobrt::json_error& e, std::string_view prefix) {
  auto field = std::string(prefix);
  if (!e.field.empty())
    field += (field.empty() ? "" : ".") + e.field;
  auto code = e.code == jobrt::json_error::code_type::malformed
                  ? std::string("malformed_json")
                  : std::string(to_string(e.code));
  return {http_status_of(e.code), code, e.message(), field, 0};
}

nlohmann::json to_json(const problem& p) {
  nlohmann::json out;
  out["type"] = "urn:jobrt:problem:" + p.code;
  out["title"] = p.code;
  out["status"] = p.status;
  out["detail"] = p.detail;
  out["code"] = p.code;
  if (!p.field.empty())
    out["field"] = p.field;
  if (p.id != 0)
    out["id"] = p.id;
  return out;
}

api_response respond(const problem& p) {
  return {p.status, "application/problem+json", jobrt::dump_json(to_json(p)),
          false};
}

} // namespace jobrtd
