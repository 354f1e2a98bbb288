#pragma once

// Refusals as RFC 9457 problem details (application/problem+json):
//   {"type":"urn:jobrt:problem:not_found","title":"not_found","status":404,
//    "detail":"no job with id 9","code":"not_found","id":9}
// `code` is the runtime's request_error code (or the daemon's own for HTTP
// matters: unauthorized, forbidden, unsupported_media_type, ...); `field`
// names the bad input when there is one. The HTTP status of every runtime
// refusal is decided here and only here.

#include "api_response.hpp"

#include "jobrt/messages/job_json.hpp"
#include "jobrt/messages/request_error.hpp"

#include <string>
#include <string_view>

namespace jobrtd {

/// The HTTP status for a runtime refusal.
int http_status_of(jobrt::request_error::code_type code) noexcept;
/// The HTTP status for a JSON body that does not decode: 400 when it is not
/// JSON or not the expected shape, 422 when a value breaks a rule.
int http_status_of(jobrt::json_error::code_type code) noexcept;

struct problem {
  int status = 500;
  std::string code;
  std::string detail;
  std::string field; ///< empty: none
  jobrt::job_id id = 0; ///< 0: none
};

problem problem_of(const jobrt::request_error& e);
/// `prefix` goes before the field ("[2]" for the third spec of an array).
problem problem_of(const jobrt::json_error& e, std::string_view prefix = "");

nlohmann::json to_json(const problem& p);
api_response respond(const problem& p);

} // namespace jobrtd
