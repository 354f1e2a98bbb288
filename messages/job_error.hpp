#pragma once

// How an attempt fails. A handler returns a job_error; the runtime also makes
// them for timeouts, escaped exceptions and abandoned attempts.

#include "jobrt/messages/job_state.hpp"
#include "jobrt/messages/time.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobrt {

enum class error_kind : std::uint8_t {
  transient, ///< may succeed if retried (network blip, overload)
  permanent, ///< will never succeed: the job goes dead at once
  timeout,   ///< the attempt overran its deadline; retried like transient
  abandoned, ///< the process running the attempt died (found at recovery)
};

inline constexpr std::array<error_kind, 4> all_error_kinds{
    error_kind::transient, error_kind::permanent, error_kind::timeout,
    error_kind::abandoned};

/// Whether a failure of this kind may be retried (all but permanent).
constexpr bool is_retryable(error_kind k) noexcept {
  return k != error_kind::permanent;
}

/// Whether a failure of this kind counts towards tripping a circuit breaker.
/// Permanent failures say nothing about the health of a dependency, and
/// neither do attempts abandoned by a crash: recovery fails all of them at
/// once, and that burst must not trip a breaker on start-up.
constexpr bool counts_for_breaker(error_kind k) noexcept {
  return k == error_kind::transient || k == error_kind::timeout;
}

std::string_view to_string(error_kind k) noexcept;
result<error_kind, unknown_name> parse_error_kind(std::string_view text);

/// Error codes jobrt itself produces.
namespace error_codes {
inline constexpr std::string_view exception = "exception";
inline constexpr std::string_view timeout = "timeout";
inline constexpr std::string_view abandoned = "abandoned";
} // namespace error_codes

struct job_error {
  error_kind kind = error_kind::transient;
  /// A short machine-readable code ("not_found", "exception"); retry rules
  /// match on it.
  std::string code;
  /// Human-readable detail for operators.
  std::string message;
  /// The handler's hint of when to try again; replaces the computed backoff
  /// (still capped by the policy).
  std::optional<duration> retry_after;

  static job_error transient(std::string code, std::string message = {});
  static job_error permanent(std::string code, std::string message = {});
  /// The attempt overran its deadline (code error_codes::timeout).
  static job_error timeout(std::string message = {});
  /// The process running the attempt died (code error_codes::abandoned).
  static job_error abandoned(std::string message = {});

  friend bool operator==(const job_error&, const job_error&) = default;
};

/// Error codes are cut to this many bytes, messages to max_error_message_bytes
/// (see bound_error).
inline constexpr std::size_t max_error_code_bytes = 128;
inline constexpr std::size_t max_error_message_bytes = 4096;

/// `error` with its code and message cut to their bounds, at a UTF-8
/// character boundary; a cut message ends in "... [N bytes cut]".
job_error bound_error(job_error error);

/// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) noexcept;

/// One entry of a job's error history: a failed attempt and when it failed.
struct attempt_error {
  std::int32_t attempt = 0;
  job_error error;
  time_point at{};

  friend bool operator==(const attempt_error&, const attempt_error&) = default;
};

} // namespace jobrt
