#pragma once

// The circuit breaker actor: one pure circuit_breaker (circuit_breaker.hpp)
// per breaker key, driven by the outcomes the supervisor reports and by the
// timer, which ends each cooldown. It owns no policy of its own.
//
// - A key's breaker is created on the key's first report, with the breaker
//   config of the report's job type; reports of a type the registry does not
//   know, or whose registration has no breaker, are ignored.
// - Each key gets a small index, fixed for the actor's life, which is the id
//   of its cooldown deadline (deadline_kind::breaker_cooldown).
// - In half-open only reports marked `probe` count; in open none do.
// - Every state change is logged (warn, on `log`) and sent to `listener`
//   as a breaker_update, whose
//   `probes` is the config's probe count when entering half-open, else 0.
//   Entering open also schedules the key's cooldown deadline at reopen_at.
// - `fired` accepts deadline ids or whole deadline keys (the kind bits are
//   stripped); a fired breaker that is still open before its reopen_at (a
//   timer running early) re-arms its deadline rather than stall.

#include "jobrt/actors/clock.hpp"
#include "jobrt/actors/handler_registry.hpp"
#include "jobrt/messages/interfaces.hpp"

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace jobrt {

/// Spawns the breaker actor, which at once registers with `timer` as the
/// listener of deadline_kind::breaker_cooldown. `registry` and `clock` are
/// shared read-only and may be read from the actor's thread at any time;
/// `listener` receives every breaker_update. Quit it with an exit message.
breaker_actor spawn_circuit_breaker(caf::actor_system& sys,
                                    std::shared_ptr<const handler_registry> registry,
                                    timer_actor timer, breaker_listener listener,
                                    std::shared_ptr<const clock> clock,
                                    std::shared_ptr<spdlog::logger> log);

} // namespace jobrt
