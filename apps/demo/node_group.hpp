#pragma once

// jobrt-demo --nodes N: N demo processes on one PostgreSQL database, and
// which of them ran what.
//
// This program is started again N times (fork/exec of /proc/self/exe) with
// the same arguments plus --node-index i. Each child is a node of its own:
// it enqueues its share of the orders (every N-th from i, each with its
// unique key, as a single process does: a unique key is unique among live
// jobs only, so siblings enqueueing the same orders would charge one twice
// when the first was already done), runs whatever its runtime claims, from
// any share, waits until every job in the database is finished, and
// ends with its JSON line, which names its node (its owner name,
// host:pid:random) and counts its attempts and successes. The parent
// relays each child's output line by line as "[node i] ...", waits for
// them all, and then prints a table of who ran what and one JSON line.
//
// The children run in process groups of their own, so a terminal's Ctrl-C
// reaches only the parent, which passes SIGINT or SIGTERM on to each child
// once (a second signal would end a child at once).

#include "cli/shutdown_signal.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace jobrt::demo {

/// Runs the group; `args` are the children's argv (argv[0] first),
/// `label` names the store for the summary. Returns the exit code: 0 when
/// every child held the demo's shape and the completions add up, 1 when
/// not, 2 when the children cannot be started, 130/143 when interrupted.
int run_node_group(std::size_t count, const std::vector<std::string>& args,
                   const std::string& label,
                   const cli::shutdown_signal& interrupt);

} // namespace jobrt::demo
