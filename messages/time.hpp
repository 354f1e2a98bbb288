#pragma once

// Time vocabulary of jobrt. Job times are wall-clock (they are persisted and
// must mean the same after a restart) at millisecond resolution, which is
// also the resolution of every delay a policy computes. Pure logic never
// reads a clock: callers pass `now` in, so tests run on simulated time.

#include <chrono>

namespace jobrt {

using duration = std::chrono::milliseconds;
using time_point = std::chrono::time_point<std::chrono::system_clock, duration>;

/// The current wall-clock time at jobrt's resolution.
inline time_point wall_clock_now() {
  return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
}

} // namespace jobrt
