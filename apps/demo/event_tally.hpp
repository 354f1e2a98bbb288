#pragma once

// What the demo learns from runtime::subscribe: it counts job transitions
// by kind and prints every circuit-breaker change the moment it arrives.
// record() runs on the subscription's own thread, counts() on the main
// thread; a mutex keeps them apart.

#include "progress_console.hpp"

#include "jobrt/messages/runtime_event.hpp"

#include <cstdint>
#include <mutex>

namespace jobrt::demo {

struct event_counts {
  std::uint64_t batches = 0;
  std::uint64_t transitions = 0;
  std::uint64_t attempts = 0; ///< moves into processing
  std::uint64_t finished = 0; ///< moves into a terminal state
  std::uint64_t breaker_changes = 0;
  std::uint64_t breaker_opens = 0; ///< moves into open, from closed or half-open
  std::uint64_t breaker_closes = 0; ///< moves into closed: a recovery
};

class event_tally {
public:
  /// `console` must outlive the tally; breaker times print relative to
  /// `origin`.
  event_tally(progress_console& console, time_point origin)
    : console_(console), origin_(origin) {}

  void record(const event_batch& batch);
  event_counts counts() const;

private:
  void count(const job_transition_event& e);
  void announce(const breaker_event& e) const;

  progress_console& console_;
  time_point origin_;
  mutable std::mutex mutex_;
  event_counts counts_;
};

} // namespace jobrt::demo
