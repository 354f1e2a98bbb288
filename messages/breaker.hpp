#pragma once

// The circuit breaker's vocabulary (DESIGN.md, "Circuit breaker"): its
// states, what an attempt's outcome means to it, and its changes, as the
// runtime reports them. The state machine itself is
// actors/circuit_breaker.hpp.

#include "jobrt/messages/job_error.hpp"
#include "jobrt/messages/time.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace jobrt {

enum class breaker_state : std::uint8_t { closed, open, half_open };

std::string_view to_string(breaker_state s) noexcept;

enum class call_outcome : std::uint8_t {
  success,
  transient_failure, ///< a transient failure or a timeout: counts
  /// A permanent failure, or an attempt abandoned by a crashed process: it
  /// says nothing about the dependency's health and never counts.
  ignored_failure,
};

/// Maps an attempt's failure to what the breaker sees (see
/// counts_for_breaker in messages/job_error.hpp).
constexpr call_outcome outcome_of(error_kind k) noexcept {
  return counts_for_breaker(k) ? call_outcome::transient_failure
                               : call_outcome::ignored_failure;
}

/// A change of breaker state, for logs, metrics and subscribers.
struct breaker_transition {
  breaker_state from = breaker_state::closed;
  breaker_state to = breaker_state::closed;
  time_point at{};
  /// Consecutive trips so far (0 after closing).
  std::int32_t trips = 0;
  /// Set when `to` is open: when the cooldown ends.
  std::optional<time_point> reopen_at;

  friend bool operator==(const breaker_transition&,
                         const breaker_transition&) = default;
};

} // namespace jobrt
