#include "jobrt/actors/timer.hpp"

#include "jobrt/actors/deadline_queue.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

namespace jobrt {

namespace {

/// Longest delay asked of CAF; a later deadline is reached in several ticks.
constexpr duration max_tick_delay = std::chrono::hours(1);

using fired_ids = std::vector<std::uint64_t>;

struct timer_state {
  std::shared_ptr<const actor_system_clock> clock;
  std::shared_ptr<spdlog::logger> log;
  deadline_queue deadlines;
  std::array<deadline_listener, deadline_kind_count> listeners;
  std::uint64_t seq = 0;           ///< of the armed tick; older ticks are stale
  std::optional<time_point> armed; ///< when the armed tick arrives
  std::uint64_t fired = 0;
  std::vector<deadline_key> due; ///< reused by every firing

  static inline const char* name = "jobrt.timer";
};

using timer_pointer = timer_actor::stateful_pointer<timer_state>;

/// From `now` to `at`, never negative, at most max_tick_delay.
duration delay_until(time_point at, time_point now) {
  if (at <= now)
    return duration{0};
  if (now < at - max_tick_delay)
    return max_tick_delay;
  return at - now;
}

/// Makes sure a tick arrives no later than the earliest deadline.
void arm(timer_pointer self) {
  auto& st = self->state;
  auto earliest = st.deadlines.earliest();
  if (!earliest || (st.armed && *st.armed <= *earliest))
    return;
  auto now = st.clock->now();
  auto delay = delay_until(*earliest, now);
  st.armed = now + delay;
  if (delay == duration{0}) // already due: a plain message, next in line
    self->send(self, atoms::tick::value, ++st.seq);
  else
    self->delayed_send(self, delay, atoms::tick::value, ++st.seq);
}

void apply(deadline_queue& deadlines, const deadline_commands& commands) {
  for (const auto& command : commands) {
    if (command.at)
      deadlines.schedule(command.key, *command.at);
    else
      deadlines.cancel(command.key);
  }
}

void deliver(timer_pointer self, deadline_kind kind, fired_ids ids) {
  auto& listener = self->state.listeners[static_cast<std::size_t>(kind)];
  if (listener)
    self->send(listener, atoms::fired::value, std::move(ids));
  else
    self->state.log->warn("timer: {} deadline(s) of kind {} fired without a "
                          "listener; dropped (first id {})",
                          ids.size(), static_cast<int>(kind), ids.front());
}

/// Fires every deadline due by now: one message per kind.
void fire_due(timer_pointer self) {
  auto& st = self->state;
  st.due.clear();
  st.deadlines.pop_due(st.clock->now(), st.due);
  if (st.due.empty())
    return;
  st.fired += st.due.size();
  std::array<fired_ids, deadline_kind_count> by_kind;
  for (auto key : st.due) {
    auto kind = static_cast<std::size_t>(kind_of(key));
    if (kind < deadline_kind_count)
      by_kind[kind].push_back(id_of(key));
    else
      st.log->warn("timer: deadline of unknown kind {} (id {}) dropped", kind,
                   id_of(key));
  }
  for (std::size_t kind = 0; kind < deadline_kind_count; ++kind)
    if (!by_kind[kind].empty())
      deliver(self, static_cast<deadline_kind>(kind), std::move(by_kind[kind]));
}

timer_actor::behavior_type
timer(timer_pointer self, std::shared_ptr<const actor_system_clock> clock,
      std::shared_ptr<spdlog::logger> log) {
  self->state.clock = std::move(clock);
  self->state.log = log ? std::move(log) : spdlog::default_logger();
  return {
      [=](atoms::listen, deadline_kind kind, deadline_listener listener) {
        auto index = static_cast<std::size_t>(kind);
        if (index < deadline_kind_count)
          self->state.listeners[index] = std::move(listener);
        else
          self->state.log->warn("timer: listen for unknown kind {} ignored",
                                index);
      },
      [=](const deadline_commands& commands) {
        apply(self->state.deadlines, commands);
        arm(self);
      },
      [=](atoms::tick, std::uint64_t seq) {
        if (seq != self->state.seq)
          return; // superseded by an earlier wake-up
        self->state.armed.reset();
        fire_due(self);
        arm(self);
      },
      [=](atoms::stats) {
        const auto& st = self->state;
        return timer_stats{st.deadlines.size(), st.fired,
                           st.deadlines.memory_bytes()};
      },
  };
}

} // namespace

timer_actor spawn_timer(caf::actor_system& sys,
                        std::shared_ptr<const actor_system_clock> clock,
                        std::shared_ptr<spdlog::logger> log) {
  return sys.spawn(timer, std::move(clock), std::move(log));
}

} // namespace jobrt
