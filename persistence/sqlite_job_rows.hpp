#pragma once

// How a job and its error history map to rows of `jobs` and `job_errors`
// (docs/sqlite-schema.md): names for enums, INTEGER milliseconds since the
// epoch for times and durations, NULL for unset optionals.
// Internal to the SQLite store; not part of jobrt's API.

#include "jobrt/messages/job.hpp"
#include "jobrt/persistence/job_store.hpp"
#include "jobrt/persistence/sqlite_statement.hpp"

#include <cstdint>
#include <string>

namespace jobrt {

constexpr std::int64_t to_millis(time_point at) noexcept {
  return at.time_since_epoch().count();
}

constexpr time_point from_millis(std::int64_t ms) noexcept {
  return time_point{duration{ms}};
}

/// Binds parameters ?1..?17 to the record's columns, in the order id, type,
/// queue, payload, priority, state, attempt, max_attempts, run_at,
/// timeout_ms, breaker_key, unique_key, cancel_requested, output,
/// created_at, updated_at, finished_at. The record must outlive the use.
void bind_job_row(sqlite_statement& stmt, const job& record);

/// Decodes the columns listed above (from column 0), without errors; an
/// unknown state name is store_error::corrupt.
result<job, store_error> read_job_row(const sqlite_statement& stmt,
                                      const std::string& path);

/// Binds ?1..?8 to job_id, seq, attempt, kind, code, message,
/// retry_after_ms, at. The entry must outlive the use.
void bind_error_row(sqlite_statement& stmt, job_id id, std::int64_t seq,
                    const attempt_error& entry);

/// Decodes columns job_id, attempt, kind, code, message, retry_after_ms,
/// at (from column 0); an unknown kind is store_error::corrupt.
result<attempt_error, store_error> read_error_row(const sqlite_statement& stmt,
                                                  const std::string& path);

/// Decodes a state name in `column`.
result<job_state, store_error> read_state(const sqlite_statement& stmt,
                                          int column, const std::string& path);

} // namespace jobrt
