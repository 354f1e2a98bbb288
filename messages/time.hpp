#pragma once

// Time vocabulary of jobrt. Job times are wall-clock (they are persisted and
// must mean the same after a restart) at millisecond resolution, which is
// also the resolution of every delay a policy computes. Pure logic never
// reads a clock: callers pass `now` in, so tests run on simulated time.

#include <chrono>

namespace jobrt {

using duration = std::chrono::milliseconds;
using time_point = std::chrono::time_point<std::chrono::system_clock, duration>;

/// at + d, or the end of representable time where that would overflow
/// (signed overflow is undefined, and a wrapped time lies in the past). A
/// delay that large means "never". `d` must not be negative.
constexpr time_point saturating_add(time_point at, duration d) {
  return d > time_point::max() - at ? time_point::max() : at + d;
}

/// at - d, or the start of representable time where that would overflow.
/// `d` must not be negative.
constexpr time_point saturating_sub(time_point at, duration d) {
  return at < time_point::min() + d ? time_point::min() : at - d;
}

/// The current wall-clock time at jobrt's resolution.
inline time_point wall_clock_now() {
  return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
}

} // namespace jobrt
