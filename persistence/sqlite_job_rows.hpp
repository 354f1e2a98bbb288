#pragma once

// How a job, its error history and an operator command map to rows of
// `jobs`, `job_errors` and `job_commands` (docs/sqlite-schema.md): names
// for enums, INTEGER milliseconds since the epoch for times and durations,
// NULL for unset optionals.
// Internal to the SQLite store; not part of jobrt's API.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/store_batch.hpp"
#include "jobrt/persistence/sqlite_statement.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobrt {

constexpr std::int64_t to_millis(time_point at) noexcept {
  return at.time_since_epoch().count();
}

constexpr time_point from_millis(std::int64_t ms) noexcept {
  return time_point{duration{ms}};
}

/// Binds parameters ?1..?20 to the record's columns, in the order id, type,
/// queue, payload, priority, state, attempt, max_attempts, run_at,
/// timeout_ms, breaker_key, unique_key, cancel_requested, output,
/// created_at, updated_at, finished_at, owner, lease_until, error_count.
/// The record must outlive the use.
void bind_job_row(sqlite_statement& stmt, const job& record);

/// Binds ?first, ?first+1, ?first+2 to the fence's state, attempt and
/// owner. The fence must outlive the use.
void bind_fence(sqlite_statement& stmt, int first, const job_fence& fence);

/// Decodes the columns listed above (from column 0), without errors; an
/// unknown state name is store_error::corrupt.
result<job, store_error> read_job_row(const sqlite_statement& stmt,
                                      const std::string& path);

/// The error_count column of a row read_job_row decodes: whether the job
/// has an error history to read.
std::int64_t read_error_count(const sqlite_statement& stmt) noexcept;

/// Decodes columns state, attempt, owner (from column 0).
result<job_fence, store_error> read_fence(const sqlite_statement& stmt,
                                          const std::string& path);

/// Binds ?1..?8 to job_id, seq, attempt, kind, code, message,
/// retry_after_ms, at. The entry must outlive the use.
void bind_error_row(sqlite_statement& stmt, job_id id, std::int64_t seq,
                    const attempt_error& entry);

/// Decodes columns job_id, attempt, kind, code, message, retry_after_ms,
/// at (from column 0); an unknown kind is store_error::corrupt.
result<attempt_error, store_error> read_error_row(const sqlite_statement& stmt,
                                                  const std::string& path);

/// Binds ?1..?3 to job_id, kind, at of a row of job_commands.
void bind_command_row(sqlite_statement& stmt, const operator_command& c);

/// Decodes columns job_id, kind, at (from column 0); an unknown kind is
/// store_error::corrupt.
result<operator_command, store_error>
read_command_row(const sqlite_statement& stmt, const std::string& path);

/// Decodes a state name in `column`.
result<job_state, store_error> read_state(const sqlite_statement& stmt,
                                          int column, const std::string& path);

/// Every row of `rows` (bound, not yet stepped), each with its error
/// history from `history` (job_errors of ?1 in seq order), which is asked
/// only for the rows whose error count is not 0. `db` is the connection of
/// both; failures name `path`. Resets both statements.
result<std::vector<job>, store_error> read_jobs(sqlite_statement& rows,
                                                sqlite_statement& history,
                                                sqlite3* db,
                                                const std::string& path);

} // namespace jobrt
