#pragma once

// The reference limit of in-memory dispatch, measured in the same run on
// the same machine: raw CAF request/reply with a bounded window (see
// shared/caf-0.17-notes.md, "Performance"). One event-based actor keeps
// `window` requests outstanding over `workers` event-based actors that
// answer an int; nothing else happens per round trip, so no dispatcher
// built on CAF messages can be expected to beat it.

#include <cstddef>
#include <vector>

namespace bench {

struct reference_figures {
  std::size_t round_trips = 0; ///< per run
  std::size_t window = 0;
  std::size_t workers = 0;
  std::vector<double> runs_per_s; ///< replies per second of each run
  double replies_per_s = 0;       ///< their median
};

/// Runs `runs` times on an actor_system of its own (CAF's default scheduler
/// threads) and returns when the last reply came back.
reference_figures measure_reference(std::size_t round_trips, std::size_t runs,
                                    std::size_t window = 16,
                                    std::size_t workers = 4);

} // namespace bench
