#include "http_outcome.hpp"

#include "cli/decimal_arg.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace jobrtd {

bool is_transient_status(int status) noexcept {
  return status == 408 || status == 425 || status == 429 ||
         (status >= 500 && status <= 599);
}

namespace {

/// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form RFC 9110
/// requires senders to use.
std::optional<jobrt::time_point> parse_http_date(std::string_view text) {
  std::tm tm{};
  std::istringstream in{std::string(text)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail())
    return std::nullopt;
  auto seconds = ::timegm(&tm);
  if (seconds == -1)
    return std::nullopt;
  return jobrt::time_point(std::chrono::seconds(seconds));
}

std::string cut(std::string text, std::size_t limit) {
  return std::string(jobrt::utf8_prefix(text, limit));
}

} // namespace

std::optional<jobrt::duration> parse_retry_after(std::string_view value,
                                                 jobrt::time_point now) {
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  // A week bounds what we believe; the policy caps it further.
  constexpr std::uint64_t max_seconds = 7 * 24 * 3600;
  if (auto s = jobrt::cli::parse_decimal_arg("Retry-After", value, {0, max_seconds}))
    return std::chrono::seconds(static_cast<std::int64_t>(s.value()));
  auto at = parse_http_date(value);
  if (!at)
    return std::nullopt;
  auto delay = *at - now;
  return delay < jobrt::duration::zero() ? jobrt::duration::zero()
                                         : std::min<jobrt::duration>(
                                               delay, std::chrono::seconds(max_seconds));
}

jobrt::job_result classify_http_response(int status, std::string_view retry_after,
                                         std::string body, jobrt::time_point now) {
  if (status >= 200 && status <= 299)
    return jobrt::job_output{std::move(body)};
  auto code = "http_" + std::to_string(status);
  auto message = "the endpoint answered " + std::to_string(status);
  if (!body.empty())
    message += ": " + cut(std::move(body), 512);
  auto error = is_transient_status(status) ? jobrt::job_error::transient(code, message)
                                           : jobrt::job_error::permanent(code, message);
  if (!retry_after.empty())
    error.retry_after = parse_retry_after(retry_after, now);
  return error;
}

jobrt::job_error classify_http_failure(bool timed_out, std::string detail) {
  return jobrt::job_error::transient(timed_out ? "timeout" : "connection",
                                     std::move(detail));
}

} // namespace jobrtd
