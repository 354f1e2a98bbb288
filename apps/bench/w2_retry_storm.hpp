#pragma once

// W2: a retry storm. Every job whose index is a multiple of 3 fails its
// first attempt transiently and is retried after a fixed 1 ms backoff, so a
// third of the jobs go through the timer and a second attempt. Checks that
// every job completes and exactly ceil(jobs / 3) second attempts ran.
// Prints its table and JSON line.

#include "options.hpp"
#include "workload.hpp"

#include "cli/shutdown_signal.hpp"

#include "jobrt/actors/job_type_options.hpp"

#include <optional>

namespace bench {

inline constexpr std::size_t w2_default_jobs = 20'000;

/// Whether the job of payload index `index` fails its first attempt.
bool fails_first_attempt(std::size_t index);
/// Type "flaky"'s options: 3 attempts, a fixed 1 ms backoff without
/// jitter, no breaker.
jobrt::job_type_options storm_options();

/// `w1_jobs_per_s`: W1's processing rate when it ran in this invocation.
/// Stops early, shutting its runtime down, once `interrupt` arrives.
workload_outcome run_w2_retry_storm(const options& opts,
                                    std::optional<double> w1_jobs_per_s,
                                    const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
