#pragma once

// Follows a running runtime through its event subscription, so tests on
// real threads can wait for a real signal (a job reaching a state) with a
// bound, instead of sleeping.

#include "jobrt/actors/runtime.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace jobrt::testing {

class event_recorder {
public:
  explicit event_recorder(runtime& rt) {
    // The callback may still run after this recorder is gone (delivery is
    // asynchronous), so what it touches is shared.
    auto subscribed = rt.subscribe([seen = seen_](const event_batch& batch) {
      {
        std::lock_guard<std::mutex> guard{seen->mutex};
        for (const auto& e : batch.jobs) {
          seen->events.push_back(e);
          if (e.to)
            seen->last[e.id] = *e.to;
        }
      }
      seen->changed.notify_all();
    });
    REQUIRE(subscribed);
  }

  /// Waits until `done(last state per job)` holds; false after `bound`.
  bool wait_for(const std::function<bool(const std::map<job_id, job_state>&)>& done,
                duration bound = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> lock{seen_->mutex};
    return seen_->changed.wait_for(lock, bound,
                                   [&] { return done(seen_->last); });
  }

  /// Waits until `count` jobs are terminal.
  bool wait_for_terminal(std::size_t count,
                         duration bound = std::chrono::seconds(30)) {
    return wait_for(
        [count](const auto& last) {
          std::size_t n = 0;
          for (const auto& [id, state] : last)
            n += is_terminal(state) ? 1 : 0;
          return n >= count;
        },
        bound);
  }

  std::vector<job_transition_event> events() const {
    std::lock_guard<std::mutex> guard{seen_->mutex};
    return seen_->events;
  }

private:
  struct seen {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<job_transition_event> events;
    std::map<job_id, job_state> last;
  };
  std::shared_ptr<seen> seen_ = std::make_shared<seen>();
};

} // namespace jobrt::testing
