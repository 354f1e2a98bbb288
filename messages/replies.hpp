#pragma once

// What the runtime answers: the replies to enqueue, get, list, cancel,
// requeue, purge and shutdown, and group commit's statistics. Plain values,
// free of CAF, so the embedding API (actors/runtime.hpp) needs no actor
// headers; messages/interfaces.hpp lets them travel in messages.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/job_query.hpp"
#include "jobrt/messages/request_error.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace jobrt {

/// A job accepted by enqueue. `existing` is true when the spec's unique key
/// matched a live job, whose id this is; nothing new was enqueued then.
struct enqueued {
  job_id id = 0;
  bool existing = false;
};

using enqueue_result = result<enqueued, request_error>;
using enqueue_results = std::vector<enqueue_result>;
using job_specs = std::vector<job_spec>;

/// A job as read from the store, or nullopt when it has no such job.
using stored_job = std::optional<job>;

/// A job record, or why the request about it was refused.
using job_reply = result<job, request_error>;
/// A page of jobs, or why it cannot be read now.
using page_reply = result<job_page, request_error>;

/// Graces beyond this are this (ten years): any grace is accepted, and a
/// timer needs one that fits its clock.
inline constexpr duration max_grace = std::chrono::hours(24 * 365 * 10);

struct shutdown_report {
  std::uint64_t finished_in_grace = 0; ///< attempts that ended in the grace
  std::uint64_t released = 0;          ///< attempts given back (pending)
  /// Worker threads whose handler ignored its stop and had not returned
  /// by the end of shutdown: detached, left running (see runtime.hpp).
  std::uint64_t abandoned_handlers = 0;
};

/// What group commit achieved so far (see actors/store_actor.hpp).
struct store_stats {
  std::uint64_t transactions = 0;
  std::uint64_t turns = 0; ///< supervisor turns written, over all transactions
  std::uint64_t rows = 0;  ///< records written or removed, after merging
  std::uint64_t failures = 0;
  std::uint64_t max_turns_per_transaction = 0;
  std::uint64_t max_rows_per_transaction = 0;

  void count_transaction(std::uint64_t turns_in, std::uint64_t rows_in,
                         bool failed) {
    ++transactions;
    turns += turns_in;
    rows += rows_in;
    failures += failed ? 1 : 0;
    max_turns_per_transaction = std::max(max_turns_per_transaction, turns_in);
    max_rows_per_transaction = std::max(max_rows_per_transaction, rows_in);
  }
};

} // namespace jobrt
