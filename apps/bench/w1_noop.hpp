#pragma once

// W1: the runtime's overhead per job. No-op jobs through a runtime with a
// memory store, against the raw CAF request/reply reference measured in
// the same run. Prints its table and JSON line.

#include "options.hpp"
#include "workload.hpp"

#include "cli/shutdown_signal.hpp"

namespace bench {

inline constexpr std::size_t w1_default_jobs = 200'000;

/// Stops early, shutting its runtime down, once `interrupt` arrives.
workload_outcome run_w1_noop(const options& opts,
                             const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
