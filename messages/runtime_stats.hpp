#pragma once

// Counters of a running runtime: jobs per state, attempt outcomes, and each
// breaker's state: counts from the store, the rest copied out of the
// supervisor on request.

#include "jobrt/messages/breaker.hpp"
#include "jobrt/messages/job_state.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobrt {

struct outcome_counters {
  std::uint64_t attempts_started = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed_transient = 0; ///< includes escaped exceptions
  std::uint64_t failed_permanent = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t retries_scheduled = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t released = 0; ///< attempts given back at shutdown
  std::uint64_t pruned = 0;   ///< terminal jobs removed by retention
  /// Replies for an attempt that was no longer current (fenced off).
  std::uint64_t stale_replies = 0;
  /// Jobs set aside because the store refused to write their record (see
  /// supervisor.hpp); each is logged with the store's reason.
  std::uint64_t quarantined = 0;
};

struct breaker_status {
  std::string key;
  breaker_state state = breaker_state::closed;
  std::uint64_t trips = 0; ///< changes into open (from closed or half-open)
  std::optional<time_point> reopen_at;
};

struct runtime_stats {
  /// Indexed by job_state.
  std::array<std::uint64_t, all_job_states.size()> jobs{};
  outcome_counters outcomes;
  std::vector<breaker_status> breakers; ///< sorted by key
  std::uint64_t in_flight = 0; ///< attempts handed to handlers, not returned
  /// Jobs the supervisor holds in memory now, and the most it ever held
  /// (its working set: running attempts, deadlines within the staging
  /// horizon, changes not yet durable), whatever the store holds.
  std::uint64_t held_jobs = 0;
  std::uint64_t held_jobs_peak = 0;
  /// Unfinished jobs in the store whose type has no registered handler:
  /// they wait, untouched, until a runtime that handles their type runs.
  std::uint64_t without_handler = 0;
  /// Set while the store cannot commit ("io: disk full"): changes wait and
  /// are written again; enqueues are refused as store_failure meanwhile.
  std::optional<std::string> store_failure;

  std::uint64_t count(job_state s) const {
    return jobs[static_cast<std::size_t>(s)];
  }
};

} // namespace jobrt
