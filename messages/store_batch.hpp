#pragma once

// The verbs a runtime asks of its store in one turn, and what the store
// answers (DESIGN.md, "Persistence"; persistence/job_store.hpp is the
// contract). A batch is one transaction, all or nothing; group commit may
// merge the batches of several turns into one transaction, in order.
//
// No transition is spelled by a store. The runtime decides every change
// with apply_event and sends it as a fenced write; the claim is the one
// change a store makes itself, and it runs apply_event(dispatch) on the
// rows it takes.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/store_error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobrt {

/// What a write expects the stored row to hold: the state, attempt and
/// owner its change was decided from.
struct job_fence {
  job_state state = job_state::pending;
  std::int32_t attempt = 0;
  std::string owner;

  static job_fence of(const job& j) { return {j.state, j.attempt, j.owner}; }
  bool holds_for(const job& stored) const {
    return stored.state == state && stored.attempt == attempt &&
           stored.owner == owner;
  }
  friend bool operator==(const job_fence&, const job_fence&) = default;
};

/// Replace the stored record of `record.id` with `record`, if the fence
/// holds.
struct job_write {
  job record;
  job_fence expected;
};

/// Remove a finished job, if the fence holds (purge).
struct job_removal {
  job_id id = 0;
  job_fence expected;
};

/// Take ready jobs for this runtime: pending, run_at <= now, in priority,
/// run_at, id order, as many as the budgets allow. Each taken job goes
/// through apply_event(dispatch{owner, lease_until}, now) and is written
/// as processing. A job is taken only if its type is listed with a free
/// slot, and its queue, breaker key, the pool (for `uses_pool` types) and
/// the total each still have one; taking it uses one of each.
struct claim_request {
  struct type_slots {
    std::string type;
    std::int32_t slots = 0;
    /// Its handler runs on the worker pool, which has pool_slots free.
    bool uses_pool = false;
  };
  std::string owner;
  time_point now{};
  std::optional<time_point> lease_until{};
  std::vector<type_slots> types;
  /// Queues with a concurrency limit: their free slots. Unlisted: no limit.
  std::map<std::string, std::int32_t, std::less<>> queues;
  /// Breaker keys that are not closed: how many attempts they may still
  /// start (0 while open, the probes left while half-open).
  std::map<std::string, std::int32_t, std::less<>> breakers;
  std::int32_t pool_slots = 0;
  std::int32_t total = 0;
  /// Jobs the claimer holds itself and must not get twice (a timed-out
  /// attempt of theirs still occupies a worker thread): never taken.
  std::vector<job_id> exclude;
};

/// Scheduled and retrying jobs that come due soon: run_at <= until, after
/// the (run_at, id) cursor, in that order, at most `limit`.
struct stage_request {
  time_point until{};
  std::int64_t after_run_at_ms = INT64_MIN;
  job_id after_id = 0;
  std::size_t limit = 1000;
};

/// Processing jobs whose owner is gone: owned by someone else than
/// `owner`, or with a lease that ran out before `now`. The single owner of
/// a SQLite file asks at start and gets every processing row.
struct rescue_request {
  std::string owner;
  time_point now{};
  std::size_t limit = 1000;
};

/// Finished jobs older than their state's age: removed, at most `limit`
/// per state and request, oldest first.
struct purge_request {
  time_point now{};
  std::optional<duration> completed;
  std::optional<duration> dead;
  std::optional<duration> cancelled;
  std::size_t limit = 1000;
};

/// Extend the lease of every processing job `owner` holds.
struct lease_renewal {
  std::string owner;
  time_point until{};
};

/// What an operator asks of the runtime that owns the store, for a change
/// no fenced write can make: a running attempt is stopped only by its
/// runtime, and a write that set cancel_requested under it would keep the
/// fence (same state, attempt and owner), so the attempt's result would
/// overwrite it unseen. The operator posts the command; the owner takes it
/// at its next poll and decides it with apply_event like its own requests.
struct operator_command {
  enum class kind_type : std::uint8_t {
    cancel, ///< as a runtime's cancel: a running attempt is asked to stop
  };
  job_id id = 0;
  kind_type kind = kind_type::cancel;
  /// When it was posted (for logs).
  time_point at{};
  friend bool operator==(const operator_command&,
                         const operator_command&) = default;
};

std::string_view to_string(operator_command::kind_type k) noexcept;

/// One turn's verbs, applied in this order: inserts, writes, removals,
/// renewal, rescue, claims, stage, purge, posted commands, taken commands.
struct store_batch {
  /// New jobs. Their ids are ignored: the store assigns them. A job whose
  /// unique key a live job already holds is not inserted; its outcome names
  /// the live job. A new job may already be processing (its owner
  /// dispatched it before it was ever written).
  std::vector<job> inserts;
  std::vector<job_write> writes;
  std::vector<job_removal> removals;
  std::optional<lease_renewal> renewal;
  std::optional<rescue_request> rescue;
  std::vector<claim_request> claims;
  std::optional<stage_request> stage;
  std::optional<purge_request> purge;
  /// Operator commands to keep for the owner, in this order.
  std::vector<operator_command> post_commands;
  /// The owner takes every posted command, in the order posted; taken
  /// commands are removed from the store in the same transaction.
  bool take_commands = false;
  /// Set on the first batch a runtime writes after a failed transaction;
  /// see actors/store_actor.hpp.
  std::uint64_t epoch = 0;

  bool empty() const noexcept {
    return inserts.empty() && writes.empty() && removals.empty() &&
           !renewal && !rescue && claims.empty() && !stage && !purge &&
           post_commands.empty() && !take_commands;
  }
  /// Rows this batch writes at most (for statistics).
  std::size_t row_writes() const noexcept {
    return inserts.size() + writes.size() + removals.size() +
           post_commands.size();
  }
};

/// What became of one insert.
struct insert_outcome {
  job_id id = 0;
  /// The unique key was held by the live job `id`; nothing was inserted.
  bool existing = false;
  /// The store cannot hold this record (too large, ...); nothing was
  /// inserted and the rest of the batch was written.
  std::optional<store_error> refused = std::nullopt;
};

/// A write or removal that was not applied.
struct write_refusal {
  enum class code_type : std::uint8_t {
    not_found,     ///< no such job (purged meanwhile)
    state_changed, ///< someone else changed its state
    stale_attempt, ///< it is on another attempt
    lost_lease,    ///< same attempt, but another owner holds it now
    record,        ///< the store cannot hold the new record (see `error`)
  };
  job_id id = 0;
  code_type code = code_type::not_found;
  /// The stored record's fence, when there is a stored record.
  std::optional<job_fence> found;
  std::optional<store_error> error;
};

std::string_view to_string(write_refusal::code_type c) noexcept;

/// What one claim took, and whether ready jobs of a type were left behind
/// (by a budget, or beyond what the store looked at).
struct claim_outcome {
  std::vector<job> jobs;
  /// Types of the request with ready jobs left over.
  std::vector<std::string> more;
};

/// What a store answers for one batch (for a merged group: the
/// concatenation, in order, of the answers for each batch).
struct store_receipt {
  std::vector<insert_outcome> inserted; ///< one per insert, in order
  std::vector<write_refusal> refused;   ///< writes and removals not applied
  std::vector<claim_outcome> claimed;   ///< one per claim, in order
  std::vector<job> rescued;             ///< found by the rescue request
  std::vector<job> staged;              ///< found by the stage request
  std::uint64_t purged = 0;
  /// Taken by take_commands, in the order they were posted.
  std::vector<operator_command> commands;
};

} // namespace jobrt
