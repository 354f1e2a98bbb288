#pragma once

// A CAF actor system on the deterministic test coordinator: one thread,
// simulated time. Messages run only when the test says so (run, advance),
// and delayed messages fire only when simulated time passes their instant.
// Tests must quit every actor they spawned before the fixture goes away
// (actor_system's destructor waits for them).

#include "jobrt/actors/clock.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <memory>

namespace jobrt::testing {

struct deterministic_config : caf::actor_system_config {
  deterministic_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
  }
};

/// The job-time instant at which every deterministic test starts.
inline constexpr time_point test_epoch{std::chrono::hours(24 * 365 * 50)};

class deterministic_system {
public:
  deterministic_system()
    : sys(config),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
      clock(std::make_shared<actor_system_clock>(sys.clock(), test_epoch)) {}

  /// Runs every message that is ready, including those it causes.
  void run() { sched.run(); }

  /// Moves simulated time forward by `d` in steps, stopping at every
  /// delayed message due on the way (including those sent during the
  /// advance), as real time would.
  void advance(duration d) {
    auto& c = sched.clock();
    const auto end = c.now() + d;
    sched.run();
    while (c.has_pending_timeout() && c.schedule().begin()->first <= end) {
      auto next = c.schedule().begin()->first;
      c.advance_time(next > c.now() ? next - c.now()
                                    : caf::actor_clock::duration_type{0});
      sched.run();
    }
    if (end > c.now())
      c.advance_time(end - c.now());
    sched.run();
  }

  /// Moves simulated time forward by `d` in one jump: whatever was due by
  /// then fires at once, late (as after a stalled thread), then runs.
  void jump(duration d) {
    sched.clock().advance_time(d);
    sched.run();
  }

  /// Jumps to the next pending delayed message (if any) and runs; returns
  /// false when nothing was pending.
  bool advance_to_next() {
    auto& c = sched.clock();
    if (!c.has_pending_timeout())
      return false;
    auto next = c.schedule().begin()->first;
    c.advance_time(next > c.now() ? next - c.now()
                                  : caf::actor_clock::duration_type{0});
    sched.run();
    return true;
  }

  time_point now() const { return clock->now(); }

  deterministic_config config;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<actor_system_clock> clock;
};

} // namespace jobrt::testing
