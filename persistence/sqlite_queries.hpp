#pragma once

// The SQL of the SQLite store, one statement per operation; parameters and
// result columns follow sqlite_job_rows.hpp.
// Internal to the SQLite store; not part of jobrt's API.

#include <array>
#include <cstddef>
#include <string_view>

namespace jobrt {

/// Every statement the store runs; the store prepares each on first use
/// and keeps it for its whole life.
enum class sqlite_query : std::size_t {
  begin_read,
  begin_write,
  commit,
  rollback,
  update_job,
  insert_job,
  insert_error,
  delete_errors,
  delete_job,
  raise_last_id,
  select_jobs,
  select_job,
  select_page,
  select_errors,
  select_last_id,
  count_states,
  purge_errors,
  purge_jobs,
  synchronous,
  count, // not a query: the number of them
};

inline constexpr std::size_t sqlite_query_count =
    static_cast<std::size_t>(sqlite_query::count);

#define JOBRT_JOB_COLUMNS                                                      \
  "id, type, queue, payload, priority, state, attempt, max_attempts, run_at, " \
  "timeout_ms, breaker_key, unique_key, cancel_requested, output, "            \
  "created_at, updated_at, finished_at"

#define JOBRT_PURGEABLE                                                        \
  "state = ?1 AND coalesce(finished_at, updated_at) < ?2"

inline constexpr std::array<std::string_view, sqlite_query_count>
    sqlite_query_sql{
        "BEGIN",
        "BEGIN IMMEDIATE",
        "COMMIT",
        "ROLLBACK",
        // Both are bound with bind_job_row; the update leaves the columns
        // that never change after enqueue alone.
        "UPDATE jobs SET priority = ?5, state = ?6, attempt = ?7, "
        "max_attempts = ?8, run_at = ?9, timeout_ms = ?10, "
        "cancel_requested = ?13, output = ?14, updated_at = ?16, "
        "finished_at = ?17 WHERE id = ?1",
        "INSERT INTO jobs(" JOBRT_JOB_COLUMNS ") VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
        "?16, ?17)",
        "INSERT OR IGNORE INTO job_errors(job_id, seq, attempt, kind, code, "
        "message, retry_after_ms, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        "DELETE FROM job_errors WHERE job_id = ?1",
        "DELETE FROM jobs WHERE id = ?1",
        "UPDATE jobrt_meta SET value = max(value, ?1) WHERE key = 'last_id'",
        "SELECT " JOBRT_JOB_COLUMNS " FROM jobs ORDER BY id",
        "SELECT " JOBRT_JOB_COLUMNS " FROM jobs WHERE id = ?1",
        "SELECT " JOBRT_JOB_COLUMNS " FROM jobs WHERE id > ?4 "
        "AND (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR type = ?2) "
        "AND (?3 IS NULL OR queue = ?3) ORDER BY id LIMIT ?5",
        "SELECT job_id, attempt, kind, code, message, retry_after_ms, at "
        "FROM job_errors "
        "WHERE job_id BETWEEN ?1 AND ?2 ORDER BY job_id, seq",
        "SELECT max(coalesce((SELECT value FROM jobrt_meta "
        "WHERE key = 'last_id'), 0), coalesce((SELECT max(id) FROM jobs), 0))",
        "SELECT state, count(*) FROM jobs GROUP BY state",
        "DELETE FROM job_errors WHERE job_id IN "
        "(SELECT id FROM jobs WHERE " JOBRT_PURGEABLE ")",
        "DELETE FROM jobs WHERE " JOBRT_PURGEABLE,
        "PRAGMA synchronous",
    };

#undef JOBRT_JOB_COLUMNS
#undef JOBRT_PURGEABLE

} // namespace jobrt
