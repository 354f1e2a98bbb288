#include "jobrt/actors/circuit_breaker_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobrt {

namespace {

struct keyed_breaker {
  std::string key;
  circuit_breaker machine;
  /// Changes into open since the actor started (from closed or half-open).
  std::uint64_t total_trips = 0;
};

struct breaker_actor_state {
  std::shared_ptr<const handler_registry> registry;
  timer_actor timer;
  breaker_listener listener;
  std::shared_ptr<const clock> time;
  std::shared_ptr<spdlog::logger> log;
  /// A key's position here is its cooldown deadline id.
  std::vector<keyed_breaker> breakers;
  std::map<std::string, std::size_t, std::less<>> index_of;

  static inline const char* name = "jobrt.circuit_breaker";
};

using self_pointer = breaker_actor::stateful_pointer<breaker_actor_state>;

std::string describe(const std::optional<time_point>& at) {
  if (!at)
    return "none";
  return std::to_string(at->time_since_epoch().count()) + "ms";
}

/// The breaker of the report's key, created on first sight; nothing when
/// the report's type is unknown or has no breaker.
std::optional<std::size_t> index_for(breaker_actor_state& st,
                                     const breaker_report& r) {
  if (auto i = st.index_of.find(r.key); i != st.index_of.end())
    return i->second;
  const auto* registration = st.registry->find(r.type);
  if (registration == nullptr || !registration->options.breaker)
    return std::nullopt;
  const auto index = st.breakers.size();
  st.breakers.push_back(
      keyed_breaker{r.key, circuit_breaker{*registration->options.breaker}, 0});
  st.index_of.emplace(r.key, index);
  return index;
}

deadline_command cooldown_deadline(std::size_t index, time_point at) {
  return {make_deadline_key(deadline_kind::breaker_cooldown, index), at};
}

/// Logs and announces one state change; a trip adds its cooldown deadline
/// to `deadlines`.
void publish(self_pointer self, std::size_t index,
             const breaker_transition& t, deadline_commands& deadlines) {
  auto& b = self->state.breakers[index];
  self->state.log->warn("circuit breaker '{}': {} -> {} (trips {}, reopen_at {})",
                      b.key, to_string(t.from), to_string(t.to), t.trips,
                      describe(t.reopen_at));
  if (t.to == breaker_state::open) {
    ++b.total_trips;
    if (t.reopen_at)
      deadlines.push_back(cooldown_deadline(index, *t.reopen_at));
  }
  const auto probes =
      t.to == breaker_state::half_open ? b.machine.config().probes : 0;
  if (self->state.listener)
    self->send(self->state.listener, breaker_update{b.key, t, probes});
}

void send_deadlines(self_pointer self, deadline_commands deadlines) {
  if (!deadlines.empty() && self->state.timer)
    self->send(self->state.timer, std::move(deadlines));
}

/// Whether the outcomes of `r` count for the breaker in its current state.
bool counts(const circuit_breaker& machine, const breaker_report& r) {
  switch (machine.state()) {
    case breaker_state::closed: return true;
    case breaker_state::half_open: return r.probe;
    case breaker_state::open: return false;
  }
  return false;
}

void apply(self_pointer self, const breaker_report& r, time_point now,
           deadline_commands& deadlines) {
  const auto index = index_for(self->state, r);
  if (!index)
    return;
  for (std::int32_t i = 0; i < r.count; ++i) {
    auto& machine = self->state.breakers[*index].machine;
    if (!counts(machine, r))
      return;
    if (auto t = machine.record(r.outcome, now))
      publish(self, *index, *t, deadlines);
  }
}

void on_reports(self_pointer self, const breaker_reports& reports) {
  const auto now = self->state.time->now();
  deadline_commands deadlines;
  for (const auto& r : reports)
    apply(self, r, now, deadlines);
  send_deadlines(self, std::move(deadlines));
}

void on_fired(self_pointer self, const std::vector<std::uint64_t>& ids) {
  const auto now = self->state.time->now();
  deadline_commands deadlines;
  for (const auto id : ids) {
    const auto index = id_of(id);
    if (index >= self->state.breakers.size())
      continue;
    auto& machine = self->state.breakers[index].machine;
    if (auto t = machine.cooldown_elapsed(now))
      publish(self, index, *t, deadlines);
    else if (machine.state() == breaker_state::open && machine.reopen_at())
      deadlines.push_back(cooldown_deadline(index, *machine.reopen_at()));
  }
  send_deadlines(self, std::move(deadlines));
}

std::vector<breaker_status> statuses(const breaker_actor_state& st) {
  std::vector<breaker_status> out;
  out.reserve(st.index_of.size());
  for (const auto& [key, index] : st.index_of) {
    const auto& b = st.breakers[index];
    out.push_back(breaker_status{key, b.machine.state(), b.total_trips,
                                 b.machine.reopen_at()});
  }
  return out;
}

breaker_actor::behavior_type
circuit_breaker_behavior(self_pointer self,
                         std::shared_ptr<const handler_registry> registry,
                         timer_actor timer, breaker_listener listener,
                         std::shared_ptr<const clock> time,
                         std::shared_ptr<spdlog::logger> log) {
  auto& st = self->state;
  st.log = std::move(log);
  st.registry = std::move(registry);
  st.timer = std::move(timer);
  st.listener = std::move(listener);
  st.time = std::move(time);
  if (st.timer)
    self->send(st.timer, atoms::listen::value, deadline_kind::breaker_cooldown,
               caf::actor_cast<deadline_listener>(self));
  return {
      [self](atoms::report, const breaker_reports& reports) {
        on_reports(self, reports);
      },
      [self](atoms::fired, const std::vector<std::uint64_t>& ids) {
        on_fired(self, ids);
      },
      [self](atoms::breakers) { return statuses(self->state); },
  };
}

} // namespace

breaker_actor spawn_circuit_breaker(caf::actor_system& sys,
                                    std::shared_ptr<const handler_registry> registry,
                                    timer_actor timer, breaker_listener listener,
                                    std::shared_ptr<const clock> clock,
                                    std::shared_ptr<spdlog::logger> log) {
  return sys.spawn(circuit_breaker_behavior, std::move(registry),
                   std::move(timer), std::move(listener), std::move(clock),
                   std::move(log));
}

} // namespace jobrt
