#pragma once

// The crash test's workload, shared by the worker that runs it and the test
// that checks what it left behind: which jobs exist, which attempts fail,
// and the limits the checks rely on. Pure and deterministic in (job,
// attempt, seed), so a failing seed replays the same failures.

#include "jobrt/messages/time.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace jobrt::crash {

/// Every job type's retry budget (no rules, so no job gets more).
inline constexpr std::int32_t max_attempts = 4;
/// The "slow" type's attempt timeout, and how long an overrunning attempt
/// would sleep if nobody stopped it.
inline constexpr duration slow_timeout = std::chrono::milliseconds(60);
inline constexpr duration slow_sleep = std::chrono::seconds(30);

/// The unique key and payload of job number n.
inline std::string job_key(std::size_t n) {
  return "job-" + std::to_string(n);
}

/// One job in five is slow; the rest are flaky.
inline std::string_view job_type(std::size_t n) {
  return n % 5 == 0 ? "slow" : "flaky";
}

/// splitmix64 over the payload's FNV-1a hash, the attempt and the seed.
inline std::uint64_t attempt_hash(std::string_view payload,
                                  std::int32_t attempt, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : payload)
    h = (h ^ c) * 0x100000001b3ull;
  std::uint64_t x = h ^ (seed * 0x9E3779B97F4A7C15ull) ^
                    static_cast<std::uint64_t>(attempt);
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// How long an attempt works before it returns: 2 to 7 ms, so that a run
/// lasts seconds and the kills find work in every phase.
inline duration work_time(std::string_view payload, std::int32_t attempt,
                          std::uint64_t seed) {
  return std::chrono::milliseconds(
      2 + static_cast<std::int64_t>(attempt_hash(payload, attempt, seed ^ 0x3a11) % 6));
}

/// A flaky attempt fails transiently 40 % of the time, so with four
/// attempts about 2.5 % of flaky jobs end dead.
inline bool fails_transiently(std::string_view payload, std::int32_t attempt,
                              std::uint64_t seed) {
  return attempt_hash(payload, attempt, seed) % 100 < 40;
}

/// A slow attempt overruns its timeout 30 % of the time.
inline bool overruns(std::string_view payload, std::int32_t attempt,
                     std::uint64_t seed) {
  return attempt_hash(payload, attempt, seed ^ 0x5105) % 100 < 30;
}

} // namespace jobrt::crash
