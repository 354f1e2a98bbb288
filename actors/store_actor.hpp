#pragma once

// The store actor: makes the supervisor's turns durable with group commit
// (DESIGN.md, "Shape"). The supervisor sends each turn's batch with a
// sequence number and goes on; batches that arrive while a transaction is
// being written wait in the mailbox and go together into the next one. One
// `committed` answer then covers every turn up to the highest sequence
// number written, so the supervisor releases those turns' effects (replies,
// dispatches, events) in order, and never blocks on disk itself.
//
// A claim in a group runs after the writes of every turn in it, also of
// the turns after the one that asked: a job such a turn wrote pending may
// be claimed at once. The supervisor takes the claimed record as the newer
// one (working_set::adopt) and ignores the older turn's answer for it.
//
// A failed transaction is answered with its error, and every batch of the
// same epoch still on its way is refused unwritten: those turns were
// decided on the lost writes. The supervisor writes again, in a new epoch,
// from what it holds (see actors/commit_queue.hpp).
//
// A store that blocks on I/O gets a detached actor, a thread of its own, so
// fsync never stalls CAF's scheduler; one that does not (memory, test
// stores) runs as an ordinary actor, deterministic under the test
// coordinator.

#include "jobrt/messages/interfaces.hpp"
#include "jobrt/persistence/job_store.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace jobrt {

/// Spawns the store actor for `store`, which must outlive it and be used by
/// nothing else meanwhile. `listener` receives every `committed` answer.
store_actor spawn_store_actor(caf::actor_system& sys,
                              std::shared_ptr<job_store> store,
                              commit_listener listener,
                              std::shared_ptr<spdlog::logger> log);

} // namespace jobrt
