#pragma once

// jobrt-bench --workload w1|w2 --db postgresql://... --nodes N: N runtime
// processes (node_child.hpp) share one queue in one fresh schema. Each
// enqueues its share of the jobs and runs whatever its runtime claims; this
// process runs none. It measures from the moment it tells them to go (the
// first enqueue) until the database holds every job finished, counted by
// SQL, and reports the rate in total and per node (who ran how many). W1
// is judged against the same references as one in-process node
// (postgres_reference.hpp), measured first, before any node runs.
//
// Checks: every job completed, each exactly once by the nodes' counts (a
// job run twice would count twice), and for W2 every third job completed
// at its second attempt after its first failed, as the database and the
// nodes agree. W2 runs --repeat times (short and noisy), W1 once.

#include "options.hpp"

#include "cli/shutdown_signal.hpp"

#include <string>
#include <vector>

namespace bench {

/// `args`: this process's argv, which every node gets too, with the hidden
/// options that make it a node. Returns the exit status.
int run_node_group(const options& opts, const std::vector<std::string>& args,
                   const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
