#pragma once

// What the runtime workloads (W1, W2) share: a runtime configured for
// measurement, enqueueing in batches, and waiting until jobs are done.
// All calls are made from the benchmark's main thread.

#include "options.hpp"
#include "progress.hpp"

#include "jobrt/actors/runtime.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

using steady = std::chrono::steady_clock;

/// worker_threads 2, a fresh store (use_store), and a logger on stderr at warn
/// level (nothing is logged per job); the rest from `opts`.
jobrt::runtime_config bench_config(const options& opts);

/// The CAF scheduler threads `rt` runs its actors on.
std::size_t scheduler_threads(jobrt::runtime& rt);

/// False (after printing why to stderr) when a registration was refused.
bool registered(const jobrt::config_check& check, const char* workload);

/// Starts `rt`; on refusal prints why (prefixed with `workload`) to stderr.
bool start_runtime(jobrt::runtime& rt, const char* workload);

struct enqueue_figures {
  std::size_t accepted = 0;
  std::size_t refused = 0;
  std::string first_refusal; ///< empty when nothing was refused
  steady::time_point first_call{};
  double seconds = 0; ///< from the first call to the last reply
};

/// Enqueues `specs` with `batch` specs per enqueue(job_specs) call.
enqueue_figures enqueue_in_batches(jobrt::runtime& rt, jobrt::job_specs specs,
                                   std::size_t batch);

struct completion {
  bool reached = false; ///< false: `limit` passed first, or stats() failed
  steady::time_point at{};
  jobrt::runtime_stats stats;
};

/// Polls stats() every millisecond until at least `terminal_jobs` jobs are
/// completed, dead or cancelled, or `limit` has passed.
completion wait_for_terminal(jobrt::runtime& rt, std::uint64_t terminal_jobs,
                             std::chrono::seconds limit, progress_bar& bar);

/// The job's index that a workload wrote into its payload as decimal text.
std::size_t payload_index(std::string_view payload);

std::int64_t steady_ns();
double per_second(std::size_t count, double seconds);
double seconds_between(steady::time_point from, steady::time_point to);

} // namespace bench
