#pragma once

// W4: the timer actor under a million deadlines. They are spread uniformly
// (seeded) over a 10 s window that opens 1 s after scheduling starts, sent
// in batches of 10,000 commands to a real timer (spawn_timer on a plain
// actor_system); a listener registered for deadline_kind::job records how
// late each id fired and checks that each fires exactly once. Measures the
// schedule rate, heap bytes per armed deadline, and lateness percentiles.
// Prints its table and JSON line.

#include "options.hpp"
#include "workload.hpp"

#include "cli/shutdown_signal.hpp"

namespace bench {

/// Stops early, printing nothing, once `interrupt` arrives.
workload_outcome run_w4_timer(const options& opts,
                              const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
