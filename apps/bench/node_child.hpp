#pragma once

// One node of jobrt-bench --nodes N (node_group.hpp): a child process
// started with the hidden --node-child I (and --node-schema NAME, the
// parent's schema). It runs one runtime on the shared queue, with the
// workload's handler (W1's no-op or W2's flaky one), and talks to the
// parent in lines:
//
//   child:  "ready"          its runtime has started
//   parent: "go"             enqueue your share now
//   child:  "enqueued N"     its share is in (accepted)
//   parent: (ends stdin)     every job is finished: stop
//   child:  one JSON line    what it ran, then it shuts down and exits
//
// The parent, not the child, measures (node_group.cpp). A child whose stdin
// ends before "go", or that is interrupted, stops without enqueueing.

#include "options.hpp"

#include "cli/shutdown_signal.hpp"

#include <cstddef>
#include <utility>

namespace bench {

/// The indices [first, last) of the workload's jobs that node `index` of
/// `nodes` enqueues: contiguous shares, the first ones one larger.
std::pair<std::size_t, std::size_t> node_share(std::size_t jobs,
                                               std::size_t nodes,
                                               std::size_t index);

/// The child's whole run; its exit status.
int run_node_child(const options& opts,
                   const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
