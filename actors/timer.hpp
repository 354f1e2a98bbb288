#pragma once

// The timer: the one owner of every deadline of the runtime (a
// deadline_queue), and the only actor that asks CAF for delayed messages on
// their behalf.
//
// Contract:
// - `listen(kind, listener)` makes `listener` the receiver of every deadline
//   of `kind` (a later listen for the same kind replaces it). Deadlines of a
//   kind without a listener are logged (warn) and dropped when they fire.
// - `deadline_commands` are applied in order: `at` set schedules or moves the
//   key's deadline, unset cancels it. A key has at most one deadline.
// - Every deadline fires exactly once, never before its instant (read from
//   the clock), unless cancelled or moved first. A firing sends each
//   listener one `fired` message carrying the ids (id_of(key)) due in that
//   turn, by instant and then by key. A deadline already due when it
//   arrives fires without waiting for the clock: its tick is a plain
//   message to the timer itself.
// - `stats` replies with the number of deadlines waiting, those fired since
//   start (dropped ones included) and the queue's memory.
//
// Wake-ups: the timer keeps one delayed `tick` of its own armed, for the
// earliest deadline, and re-arms only when a deadline earlier than the armed
// instant arrives. CAF 0.17 cannot cancel a delayed message, so a superseded
// tick stays in CAF's clock until its instant and is then ignored (it
// carries an old sequence number): the number of delayed messages is 1 plus
// the superseded ones not yet due; each commands message supersedes at most
// one. Delays are capped at one hour (a "never" deadline at
// time_point::max() re-arms hourly rather than overflowing the actor clock).

#include "jobrt/actors/clock.hpp"
#include "jobrt/messages/interfaces.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace jobrt {

/// Spawns the timer. `clock` must read the same time as the system's actor
/// clock moves (actor_system_clock does). It warns on `log` (spdlog's
/// default logger when null). Quit it with an exit message.
timer_actor spawn_timer(caf::actor_system& sys,
                        std::shared_ptr<const actor_system_clock> clock,
                        std::shared_ptr<spdlog::logger> log = nullptr);

} // namespace jobrt
