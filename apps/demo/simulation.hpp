#pragma once

// A discrete-event loop on simulated time: the demo's stand-in for the timer
// actor until the runtime exists. Actions run in time order; actions due at
// the same instant run in the order they were scheduled.

#include "jobrt/messages/time.hpp"

#include <cstdint>
#include <functional>
#include <queue>
#include <tuple>
#include <vector>

namespace jobrt::demo {

class simulation {
public:
  /// Runs `action` when simulated time reaches `when`.
  void at(time_point when, std::function<void()> action) {
    events_.push({when, sequence_++, std::move(action)});
  }

  time_point now() const { return now_; }

  /// Advances to the next action and runs it; false once none is left.
  bool step() {
    if (events_.empty())
      return false;
    auto next = events_.top();
    events_.pop();
    now_ = next.when;
    next.action();
    return true;
  }

private:
  struct event {
    time_point when;
    std::uint64_t sequence;
    std::function<void()> action;
    bool operator>(const event& other) const {
      return std::tie(when, sequence) > std::tie(other.when, other.sequence);
    }
  };

  std::priority_queue<event, std::vector<event>, std::greater<>> events_;
  std::uint64_t sequence_ = 0;
  time_point now_{};
};

} // namespace jobrt::demo
