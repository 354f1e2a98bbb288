#pragma once

// What the http handler's delivery means for the attempt. Pure:
//   2xx                          → success, the body (up to a limit) as output
//   408, 425, 429, 5xx           → transient, code "http_<status>"
//   any other status (3xx, 4xx)  → permanent, code "http_<status>"
//   no response (refused, reset, DNS, TLS, timed out) → transient, code
//                                  "connection" or "timeout"
// A Retry-After header (delta-seconds or an HTTP-date) on a failure becomes
// the error's retry_after hint, which the retry policy uses instead of its
// backoff (still capped by max_delay).

#include "jobrt/messages/job.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace jobrtd {

/// Whether a failed response may succeed later.
bool is_transient_status(int status) noexcept;

/// "120" or "Wed, 21 Oct 2015 07:28:00 GMT" (a date in the past is 0);
/// nullopt for anything else.
std::optional<jobrt::duration> parse_retry_after(std::string_view value,
                                                 jobrt::time_point now);

jobrt::job_result classify_http_response(int status, std::string_view retry_after,
                                         std::string body, jobrt::time_point now);

/// A delivery that got no response; `timed_out` when the read or connect
/// timed out, `detail` says what happened.
jobrt::job_error classify_http_failure(bool timed_out, std::string detail);

} // namespace jobrtd
