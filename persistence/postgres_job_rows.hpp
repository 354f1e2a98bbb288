#pragma once

// How jobs map to rows of {schema}.jobs (docs/postgres-schema.md) and back:
// many jobs go to one statement as one array per column, which the SQL
// unnests; rows come back as text. The error history is a jsonb array in
// the row, in the form of messages/job_json.hpp.
// Internal to the PostgreSQL store; not part of jobrt's API.

#include "jobrt/messages/store_batch.hpp"
#include "jobrt/persistence/postgres_connection.hpp"

#include <array>
#include <string_view>

namespace jobrt {

/// The columns read_job decodes, in order.
inline constexpr std::string_view postgres_job_columns =
    "id, type, queue, payload, priority, state, attempt, max_attempts, "
    "run_at, timeout_ms, breaker_key, unique_key, cancel_requested, output, "
    "created_at, updated_at, finished_at, owner, lease_until, errors";

/// `unnest(...) AS u(<columns>)` over the 20 arrays of postgres_job_arrays,
/// from parameter $first on, and with_fence: the 3 of postgres_fence_arrays
/// after them, as columns x_state, x_attempt, x_owner. The select list of
/// the job's columns with the casts they need is postgres_unnested_job.
std::string postgres_unnest_jobs(int first, bool with_fence = false);
inline constexpr std::string_view postgres_unnested_job =
    "u.id, u.type, u.queue, u.payload, u.priority, u.state, u.attempt, "
    "u.max_attempts, u.run_at, u.timeout_ms, u.breaker_key, u.unique_key, "
    "u.cancel_requested, u.output, u.created_at, u.updated_at, "
    "u.finished_at, u.owner, u.lease_until, u.errors::jsonb";

/// One array per column of many jobs.
class postgres_job_arrays {
public:
  postgres_job_arrays();
  void add(const job& record);
  std::size_t size() const noexcept { return columns_[0].size(); }
  /// Appends the 20 arrays to `params`.
  void append_to(postgres_params& params) const;

private:
  std::array<postgres_array, 20> columns_;
};

/// The three arrays of many fences: state, attempt, owner.
class postgres_fence_arrays {
public:
  postgres_fence_arrays();
  void add(const job_fence& fence);
  void append_to(postgres_params& params) const;

private:
  postgres_array states_, attempts_, owners_;
};

/// The columns a claim changes (dispatch, after due): id, state, attempt,
/// owner, lease_until and updated_at, one array each, for a statement
/// that leaves the rest of each row as it is: a fraction of the arrays
/// (and none of the payload) a whole record costs.
class postgres_claim_arrays {
public:
  postgres_claim_arrays();
  void add(const job& record);
  std::size_t size() const noexcept { return ids_.size(); }
  /// Appends the 6 arrays to `params`.
  void append_to(postgres_params& params) const;
  /// Whether `claimed` differs from `read`, the row it was made from, in
  /// those columns only, so that writing them writes all of it.
  static bool covers(const job& read, const job& claimed);

private:
  postgres_array ids_, states_, attempts_, owners_, leases_, updated_;
};

/// Decodes row `row` (the postgres_job_columns, from column 0). An unknown
/// state or an unreadable history is store_error::corrupt.
result<job, store_error> read_job(const postgres_rows& rows, int row);

/// Decodes columns `first` .. `first + 2`: state, attempt, owner.
result<job_fence, store_error> read_fence(const postgres_rows& rows, int row,
                                          int first);

/// The error history as stored: the JSON array text. Bytes that are not
/// UTF-8 (PostgreSQL's text holds none) are replaced.
std::string error_history_text(const std::vector<attempt_error>& errors);

/// Whether every text column of `record` is valid UTF-8, which is all a
/// PostgreSQL text column holds; the error history is exempt (see above).
bool text_columns_valid(const job& record);

} // namespace jobrt
