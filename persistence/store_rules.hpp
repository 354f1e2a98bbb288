#pragma once

// The checks every store makes the same way: whether a fence holds, which
// processing jobs a rescue finds, which age a purge applies, and which
// verbs only a store's owner may use. One home, so that the conformance
// suite tests one rule, not one per backend.

#include "jobrt/messages/store_batch.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace jobrt {

/// Why a write decided from `expected` must not replace `stored`, or
/// nullopt if it may: lost_lease when `expected` names an owner that no
/// longer holds the row (another node runs it, or it was rescued), else
/// state_changed, else stale_attempt.
std::optional<write_refusal> fence_refusal(job_id id, const job_fence& expected,
                                           const job& stored);

/// The same for a store that reads only the stored row's fence: `found` is
/// that fence, or nullopt when there is no such row (not_found).
std::optional<write_refusal>
fence_refusal(job_id id, const job_fence& expected,
              const std::optional<job_fence>& found);

/// Why a store that holds at most `limit` bytes in a payload, an output, a
/// name, a unique key or an error entry cannot hold `record`
/// (store_error::too_large), or nullopt if it can. The message does not
/// name the record (a new one has no id yet): the caller prefixes that.
std::optional<store_error> record_too_large(const job& record,
                                            std::size_t limit);

/// Why a live record cannot be stored while the live job `holder` has its
/// unique key (store_error::conflict).
store_error unique_key_held(std::string_view key, job_id holder);

/// A processing job whose owner is not the rescuer, or whose lease ran out.
bool lease_expired(const job& processing, const rescue_request& r);

/// The retention age a purge applies to `state`; nullopt keeps its jobs.
std::optional<duration> purge_age(const purge_request& r, job_state state);

/// The first verb of `batch` that only the store's owner may use, by its
/// field name, or nullopt. Inserts (the owner assigns ids), renewal,
/// rescue, claims and stage (its leases and claims, and what it holds) and
/// take_commands (the commands are for it) would break what the owner
/// keeps in memory if another writer used them. Fenced writes, removals,
/// purge and posted commands are safe beside an owner: see
/// sqlite_store::open_operator.
std::optional<std::string_view> owner_verb(const store_batch& batch);

/// Jobs in `state` that finished before this time are purged (now - age,
/// saturating at the start of time); nullopt keeps them all.
std::optional<time_point> purge_cutoff(const purge_request& r, job_state state);

} // namespace jobrt
