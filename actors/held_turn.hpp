#pragma once

// One supervisor turn between its seal and its taking effect (DESIGN.md:
// "the store makes each transition durable before its effect is visible").
// It carries what the turn asked of the store, so the store's answer can be
// matched to it, and every effect the turn produced, held back until the
// answer says the turn is durable. Internal to the supervisor.

#include "jobrt/actors/working_set.hpp"
#include "jobrt/actors/worker_pool.hpp"
#include "jobrt/messages/interfaces.hpp"

#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace jobrt {

/// A job enqueued in the turn: not in the store yet, so without an id.
struct new_job {
  enum class plan : std::uint8_t {
    store, ///< written, then left to the store (claimed or staged later)
    start, ///< written already processing: its attempt starts once durable
    hold,  ///< scheduled within the staging horizon: armed once durable
  };
  job record;
  plan what = plan::store;
  bool probe = false;
  /// Where its answer goes: turn.enqueues[reply].results[slot].
  std::size_t reply = 0;
  std::size_t slot = 0;
};

/// One enqueue request; its answers wait for the turn's commit.
struct enqueue_reply {
  caf::typed_response_promise<enqueue_results> promise;
  enqueue_results results;
};

/// A cancel, requeue or purge decided in the turn: answered with `record`
/// once durable, or as a conflict if the store refused its write.
struct change_reply {
  caf::typed_response_promise<job_reply> promise;
  job record;
};

struct held_turn {
  /// The turn may take effect once the store has made this sequence number
  /// durable; turns take effect strictly in order.
  std::uint64_t needs = 0;
  /// It sealed a batch of its own (needs is that batch's number).
  bool wrote = false;

  // -- what it asked of the store -------------------------------------------
  std::vector<sealed_write> written;
  std::vector<new_job> inserts;
  std::optional<claim_request> claim;
  bool rescue = false;
  bool stage = false;
  bool purge = false;
  bool commands = false; ///< takes the operators' commands

  // -- its effects ------------------------------------------------------------
  std::vector<work_item> to_pool;
  std::vector<std::pair<handler_actor, job>> to_actors;
  deadline_commands timer_commands;
  breaker_reports reports;
  event_batch events;
  std::vector<enqueue_reply> enqueues;
  std::vector<change_reply> changes;
  std::vector<std::function<void()>> replies;
  bool completes_shutdown = false;
};

} // namespace jobrt
