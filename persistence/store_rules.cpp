#include "jobrt/persistence/store_rules.hpp"

#include "jobrt/messages/store_error.hpp"

#include <algorithm>
#include <string>

namespace jobrt {

std::string_view to_string(store_error::code_type c) noexcept {
  using code = store_error::code_type;
  switch (c) {
    case code::io: return "io";
    case code::corrupt: return "corrupt";
    case code::locked: return "locked";
    case code::too_large: return "too_large";
    case code::version: return "version";
    case code::conflict: return "conflict";
    case code::not_owner: return "not_owner";
  }
  return "unknown";
}

std::string describe(const store_error& e) {
  return std::string(to_string(e.code)) + ": " + e.message;
}

std::string_view to_string(write_refusal::code_type c) noexcept {
  using code = write_refusal::code_type;
  switch (c) {
    case code::not_found: return "not_found";
    case code::state_changed: return "state_changed";
    case code::stale_attempt: return "stale_attempt";
    case code::lost_lease: return "lost_lease";
    case code::record: return "record";
  }
  return "unknown";
}

std::string_view to_string(operator_command::kind_type k) noexcept {
  switch (k) {
    case operator_command::kind_type::cancel: return "cancel";
  }
  return "unknown";
}

std::optional<write_refusal> fence_refusal(job_id id, const job_fence& expected,
                                           const job& stored) {
  return fence_refusal(id, expected, job_fence::of(stored));
}

std::optional<write_refusal>
fence_refusal(job_id id, const job_fence& expected,
              const std::optional<job_fence>& found) {
  using code = write_refusal::code_type;
  if (!found)
    return write_refusal{id, code::not_found, std::nullopt, std::nullopt};
  if (expected == *found)
    return std::nullopt;
  // A write decided under a lease that another owner holds now, or no one
  // (rescued meanwhile), lost the lease, whatever else changed since.
  const bool lease_lost =
      !expected.owner.empty() && found->owner != expected.owner;
  auto why = lease_lost                           ? code::lost_lease
             : found->state != expected.state     ? code::state_changed
             : found->attempt != expected.attempt ? code::stale_attempt
                                                  : code::lost_lease;
  return write_refusal{id, why, found, std::nullopt};
}

std::optional<store_error> record_too_large(const job& record,
                                            std::size_t limit) {
  auto too_big = [limit](std::size_t size, std::string_view what) {
    return store_error{store_error::code_type::too_large,
                       std::string(what) + " of " + std::to_string(size) +
                           " bytes exceeds the limit of " +
                           std::to_string(limit) + " bytes"};
  };
  if (record.payload.size() > limit)
    return too_big(record.payload.size(), "payload");
  if (record.output && record.output->size() > limit)
    return too_big(record.output->size(), "output");
  // The runtime bounds these far lower (messages/job.hpp); a record made
  // elsewhere must not get past the store either.
  for (const auto* name : {&record.type, &record.queue, &record.breaker_key,
                           &record.owner})
    if (name->size() > limit)
      return too_big(name->size(), "name");
  if (record.unique_key && record.unique_key->size() > limit)
    return too_big(record.unique_key->size(), "unique key");
  for (const auto& e : record.errors)
    if (auto size = e.error.code.size() + e.error.message.size(); size > limit)
      return too_big(size, "error entry");
  return std::nullopt;
}

store_error unique_key_held(std::string_view key, job_id holder) {
  return store_error{store_error::code_type::conflict,
                     "unique key '" + std::string(key) +
                         "' is already held by live job " +
                         std::to_string(holder)};
}

bool lease_expired(const job& processing, const rescue_request& r) {
  if (processing.owner != r.owner)
    return true;
  return processing.lease_until && *processing.lease_until < r.now;
}

std::optional<std::string_view> owner_verb(const store_batch& batch) {
  if (!batch.inserts.empty())
    return "inserts";
  if (batch.renewal)
    return "renewal";
  if (batch.rescue)
    return "rescue";
  if (!batch.claims.empty())
    return "claims";
  if (batch.stage)
    return "stage";
  if (batch.take_commands)
    return "take_commands";
  return std::nullopt;
}

std::optional<duration> purge_age(const purge_request& r, job_state state) {
  switch (state) {
    case job_state::completed: return r.completed;
    case job_state::dead: return r.dead;
    case job_state::cancelled: return r.cancelled;
    default: return std::nullopt;
  }
}

std::optional<time_point> purge_cutoff(const purge_request& r,
                                       job_state state) {
  auto age = purge_age(r, state);
  if (!age)
    return std::nullopt;
  // Spelled out rather than saturating_sub (messages/time.hpp), whose
  // `at - time_point::min()` overflows for every `at` after the epoch.
  auto keep = std::max(*age, duration::zero());
  if (r.now < time_point::min() + keep)
    return time_point::min();
  return r.now - keep;
}

} // namespace jobrt
