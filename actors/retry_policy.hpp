#pragma once

// When a failed attempt is tried again, and after how long. Pure and
// CAF-free; randomness (jitter) comes from an injected source so tests and
// simulations are reproducible.

#include "jobrt/actors/config_error.hpp"
#include "jobrt/messages/job.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace jobrt {

/// base * factor^(n-1) for the n-th failed attempt, never above cap.
struct exponential_backoff {
  duration base{std::chrono::seconds(1)};
  double factor = 2.0;
  duration cap{std::chrono::hours(1)};
};

/// The same delay after every failure.
struct fixed_backoff {
  duration delay{std::chrono::seconds(1)};
};

/// steps[n-1] for the n-th failed attempt; the last step repeats.
/// Must hold at least one step.
struct schedule_backoff {
  std::vector<duration> steps;
};

using backoff = std::variant<exponential_backoff, fixed_backoff,
                             schedule_backoff>;

enum class jitter_kind : std::uint8_t {
  none,         ///< the computed delay d
  full,         ///< uniform in [0, d]
  equal,        ///< d/2 + uniform in [0, d/2]
  proportional, ///< d * (1 + uniform in [-p, +p])
};

struct jitter {
  jitter_kind kind = jitter_kind::none;
  double proportion = 0.1; ///< p for proportional, in [0, 1]
};

/// A rule for failures with one error code. Unset fields fall back to the
/// policy's own.
struct error_rule {
  std::string code;
  std::optional<std::int32_t> max_attempts;
  std::optional<jobrt::backoff> backoff;
  bool never_retry = false;
};

struct retry_policy {
  std::int32_t max_attempts = 5;
  jobrt::backoff backoff = exponential_backoff{};
  jobrt::jitter jitter{};
  std::vector<error_rule> rules;
  /// Upper bound of any delay: computed, jittered, or a handler's
  /// retry_after hint. An exponential backoff's own cap applies as well.
  duration max_delay{std::chrono::hours(24)};

  /// The most attempts any error may be given: max_attempts or a larger
  /// rule's. A new job's max_attempts defaults to this, so that a rule's
  /// longer budget stays within the job's recorded ceiling.
  std::int32_t attempt_ceiling() const;
};

/// A source of uniform numbers in [0, 1). Tests inject fixed sequences.
using unit_random = std::function<double()>;

/// A seeded, reproducible unit_random (mt19937_64).
unit_random seeded_unit_random(std::uint64_t seed);

/// Why the policy decided not to retry.
enum class give_up_reason : std::uint8_t {
  permanent_error,    ///< the error's kind is permanent
  never_retry_rule,   ///< a rule for this code says never retry
  attempts_exhausted, ///< the applicable max_attempts is used up
};

std::string_view to_string(give_up_reason r) noexcept;

/// Either retry after `delay`, or give up for `reason`.
struct retry_decision {
  std::optional<duration> delay;
  give_up_reason reason = give_up_reason::attempts_exhausted;

  bool retry() const noexcept { return delay.has_value(); }
};

/// The delay before retrying after the `failed_attempt`-th attempt failed,
/// without jitter or caps (failed_attempt >= 1).
duration base_delay(const backoff& b, std::int32_t failed_attempt);

/// Decides what happens after attempt `failed_attempt` of a job with the
/// given ceiling (the job's max_attempts) failed with `error`.
/// The applicable attempt limit is the matching rule's, else the policy's,
/// never above `job_max_attempts`. Permanent errors never retry.
retry_decision decide_retry(const retry_policy& policy,
                            std::int32_t failed_attempt,
                            std::int32_t job_max_attempts,
                            const job_error& error, const unit_random& random);

/// Checks a policy for nonsense (no schedule steps, factor < 1, negative
/// delays, proportion outside [0, 1], max_attempts outside
/// [1, max_attempts_limit]); the error names the field.
config_check validate_policy(const retry_policy& policy);

} // namespace jobrt
