#pragma once

// What a job type is registered with, besides its handler: retry policy,
// attempt timeout, breaker and concurrency limit. CAF-free.

#include "jobrt/actors/circuit_breaker.hpp"
#include "jobrt/actors/retry_policy.hpp"

#include <cstdint>
#include <optional>

namespace jobrt {

struct job_type_options {
  retry_policy retry;
  /// Per attempt, unless the job_spec sets its own.
  duration timeout{std::chrono::minutes(30)};
  /// Unset: this type's failures never pause it.
  std::optional<breaker_config> breaker = breaker_config{};
  /// At most this many attempts of the type run at once; unset: only the
  /// runtime's own limits apply.
  std::optional<std::int32_t> concurrency;
};

} // namespace jobrt
