#pragma once

// What the runtime workloads (W1, W2, W5) share: a runtime configured for
// measurement, enqueueing in batches, and waiting until jobs are done.
// All calls are made from the benchmark's main thread.
//
// A run never hangs: enqueueing stops at the first refusal (a store that
// cannot commit, e.g. on a full disk, refuses with store_failure), every
// wait is bounded, and both stop once SIGINT or SIGTERM arrived (the
// shutdown_signal main made). Each says why it stopped, for stop_run().

#include "completion_counter.hpp"
#include "options.hpp"
#include "progress.hpp"

#include "cli/shutdown_signal.hpp"

#include "jobrt/actors/runtime.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

using steady = std::chrono::steady_clock;

/// worker_threads 2, a request_timeout of 20 s, and a logger on stderr at
/// warn level (nothing is logged per job); the rest from `opts`. No store:
/// the caller sets one (store_figures.hpp).
jobrt::runtime_config measurement_config(const options& opts);

/// measurement_config on a fresh store (use_store).
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
  /// Why enqueueing stopped before the last spec ("enqueue refused:
  /// store_failure: ...", "interrupted by SIGTERM"); empty if it did not.
  std::string stopped;
  steady::time_point first_call{};
  double seconds = 0; ///< from the first call to the last reply
};

/// Enqueues `specs` with `batch` specs per enqueue(job_specs) call. Stops
/// after the first call with a refusal, or before the next call once
/// `interrupt` has arrived.
enqueue_figures enqueue_in_batches(jobrt::runtime& rt, jobrt::job_specs specs,
                                   std::size_t batch,
                                   const jobrt::cli::shutdown_signal& interrupt);

struct completion {
  bool reached = false;
  /// Why the wait ended before `terminal_jobs`; empty if it did not.
  std::string stopped;
  /// When the handlers' count reached the goal, and when the store then
  /// showed every job finished (stats() reads it: at 1,000,000 jobs a call
  /// takes a good part of a second, which bounds how late `at` may be).
  steady::time_point handlers_done{};
  steady::time_point at{};
  jobrt::runtime_stats stats;
};

/// While runtime_stats::store_failure stays set this long, a wait gives up.
inline constexpr auto store_failure_limit = std::chrono::seconds(5);
/// When no job finishes for this long, a wait gives up.
inline constexpr auto stall_limit = std::chrono::seconds(30);

/// Sleeps on `successes` (the handlers count them) until it reaches
/// `terminal_jobs`, then polls stats() every millisecond until the store
/// holds at least that many completed, dead or cancelled jobs: the
/// completions are durable. stats() reads the store (a scan of its jobs),
/// so before that it is asked only while no handler succeeded for a second,
/// to see why. Gives up (completion::stopped says why) when stats() is
/// refused, store_failure stays set for store_failure_limit, no job
/// finishes for stall_limit, `limit` passes, or `interrupt` arrives.
completion wait_for_terminal(jobrt::runtime& rt, completion_counter& successes,
                             std::uint64_t terminal_jobs,
                             std::chrono::seconds limit, progress_bar& bar,
                             const jobrt::cli::shutdown_signal& interrupt);

/// Ends a run that cannot go on because of `why`: prints "<workload>:
/// stopped: <why>" to stderr (unless `interrupt` arrived: main reports
/// that) and shuts `rt` down.
void stop_run(jobrt::runtime& rt, const char* workload, const std::string& why,
              const jobrt::cli::shutdown_signal& interrupt);

/// The job's index that a workload wrote into its payload as decimal text.
std::size_t payload_index(std::string_view payload);

std::int64_t steady_ns();
double per_second(std::size_t count, double seconds);
double seconds_between(steady::time_point from, steady::time_point to);

} // namespace bench
