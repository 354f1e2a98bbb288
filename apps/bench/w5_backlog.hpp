#pragma once

// W5: a backlog. Phase 1 enqueues --jobs jobs of 100 bytes while none can
// run, and shuts its runtime down; phase 2 starts a new runtime on the same
// store with a no-op handler and drains them. Measures the enqueue rate,
// the time from start() to the first attempt, the drain rate, the peak RSS
// of phase 2 and the supervisor's working set (held_jobs_peak), and checks
// that every job ran exactly once. Prints its table and JSON line.
//
// "None can run": the runtime refuses to enqueue a type it has no handler
// for (unknown_job_type), so phase 1 registers the type but holds its queue
// shut: the queue has a concurrency of 1, taken by a plug job that waits
// until shutdown gives it back (pending again, attempt uncounted). Phase 2
// registers no handler for the plug, which then waits in the store
// (runtime_stats::without_handler) while the backlog drains.

#include "options.hpp"
#include "workload.hpp"

#include "cli/shutdown_signal.hpp"

#include <optional>

namespace bench {

/// `w1_jobs_per_s`: W1's processing rate when it ran in this invocation
/// (on the same store). Stops early, shutting its runtime down, once
/// `interrupt` arrives.
workload_outcome run_w5_backlog(const options& opts,
                                std::optional<double> w1_jobs_per_s,
                                const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
