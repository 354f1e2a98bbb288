#pragma once

// The SQL of the SQLite store, one statement per operation; parameters and
// result columns follow sqlite_job_rows.hpp. Each query that a commit runs
// per row or per claim is served by one of the partial indexes of
// docs/sqlite-schema.md (tests/persistence/sqlite_store_test.cpp checks the
// plans).
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
  insert_job,
  live_holder,
  write_job,
  update_job,
  select_fence,
  insert_error,
  remove_job,
  remove_errors,
  renew_leases,
  select_unowned,
  select_ready,
  select_due,
  purge_errors,
  purge_jobs,
  raise_last_id,
  select_last_id,
  insert_command,
  select_commands,
  clear_commands,
  select_job,
  select_page,
  select_history,
  count_states,
  count_live_types,
  synchronous,
  count, // not a query: the number of them
};

inline constexpr std::size_t sqlite_query_count =
    static_cast<std::size_t>(sqlite_query::count);

// The columns of bind_job_row and read_job_row, in their order.
#define JOBRT_JOB_COLUMNS                                                      \
  "id, type, queue, payload, priority, state, attempt, max_attempts, run_at, " \
  "timeout_ms, breaker_key, unique_key, cancel_requested, output, "            \
  "created_at, updated_at, finished_at, owner, lease_until, error_count"

#define JOBRT_SELECT_JOBS "SELECT " JOBRT_JOB_COLUMNS " FROM jobs "

// Every column but the id, from bind_job_row's parameters.
#define JOBRT_SET_JOB                                                          \
  "UPDATE jobs SET type = ?2, queue = ?3, payload = ?4, priority = ?5, "       \
  "state = ?6, attempt = ?7, max_attempts = ?8, run_at = ?9, "                 \
  "timeout_ms = ?10, breaker_key = ?11, unique_key = ?12, "                    \
  "cancel_requested = ?13, output = ?14, created_at = ?15, updated_at = ?16, " \
  "finished_at = ?17, owner = ?18, lease_until = ?19, error_count = ?20 "

// The oldest ?3 jobs in state ?1 finished before ?2, in the order of the
// jobs_finished index: the terminal states and the index's expression are
// spelled out, or the planner cannot use the partial index.
#define JOBRT_PURGEABLE                                                        \
  "SELECT id FROM jobs WHERE state = ?1 "                                      \
  "AND state IN ('completed', 'dead', 'cancelled') "                           \
  "AND coalesce(finished_at, updated_at) < ?2 "                                \
  "ORDER BY coalesce(finished_at, updated_at), id LIMIT ?3"

inline constexpr std::array<std::string_view, sqlite_query_count>
    sqlite_query_sql{
        "BEGIN",
        "BEGIN IMMEDIATE",
        "COMMIT",
        "ROLLBACK",
        // A live job holding the unique key makes this insert nothing
        // (the id is always fresh): the store then asks live_holder.
        "INSERT INTO jobs(" JOBRT_JOB_COLUMNS ") VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
        "?16, ?17, ?18, ?19, ?20) ON CONFLICT DO NOTHING",
        "SELECT id FROM jobs WHERE unique_key = ?1 "
        "AND state NOT IN ('completed', 'dead', 'cancelled')",
        // The fenced write: the fence is ?21 state, ?22 attempt, ?23 owner.
        JOBRT_SET_JOB "WHERE id = ?1 AND state = ?21 AND attempt = ?22 "
                      "AND owner = ?23",
        // A claim's write: the claim read the row in this transaction.
        JOBRT_SET_JOB "WHERE id = ?1",
        "SELECT state, attempt, owner FROM jobs WHERE id = ?1",
        "INSERT OR IGNORE INTO job_errors(job_id, seq, attempt, kind, code, "
        "message, retry_after_ms, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        "DELETE FROM jobs WHERE id = ?1 AND state = ?2 AND attempt = ?3 "
        "AND owner = ?4",
        "DELETE FROM job_errors WHERE job_id = ?1",
        "UPDATE jobs SET lease_until = ?2 "
        "WHERE state = 'processing' AND owner = ?1",
        // store_rules' lease_expired, narrowed in jobs_processing; the ids
        // are found there first, or the planner walks the whole table in
        // id order instead.
        JOBRT_SELECT_JOBS "WHERE id IN (SELECT id FROM jobs "
                          "WHERE state = 'processing' "
                          "AND (owner <> ?1 OR lease_until < ?2)) "
                          "ORDER BY id LIMIT ?3",
        JOBRT_SELECT_JOBS "WHERE state = 'pending' AND type = ?1 "
                          "AND run_at <= ?2 "
                          "ORDER BY priority, run_at, id LIMIT ?3",
        JOBRT_SELECT_JOBS "WHERE state IN ('scheduled', 'retrying') "
                          "AND run_at <= ?1 AND (run_at, id) > (?2, ?3) "
                          "ORDER BY run_at, id LIMIT ?4",
        "DELETE FROM job_errors WHERE job_id IN (" JOBRT_PURGEABLE ")",
        "DELETE FROM jobs WHERE id IN (" JOBRT_PURGEABLE ")",
        "UPDATE jobrt_meta SET value = max(value, ?1) WHERE key = 'last_id'",
        "SELECT max(coalesce((SELECT value FROM jobrt_meta "
        "WHERE key = 'last_id'), 0), coalesce((SELECT max(id) FROM jobs), 0))",
        "INSERT INTO job_commands(job_id, kind, at) VALUES (?1, ?2, ?3)",
        "SELECT job_id, kind, at FROM job_commands ORDER BY seq",
        // In the transaction that read them: no operator can post between.
        "DELETE FROM job_commands",
        JOBRT_SELECT_JOBS "WHERE id = ?1",
        JOBRT_SELECT_JOBS "WHERE id > ?4 "
                          "AND (?1 IS NULL OR state = ?1) "
                          "AND (?2 IS NULL OR type = ?2) "
                          "AND (?3 IS NULL OR queue = ?3) "
                          "ORDER BY id LIMIT ?5",
        "SELECT job_id, attempt, kind, code, message, retry_after_ms, at "
        "FROM job_errors WHERE job_id = ?1 ORDER BY seq",
        // One count per partial index, so that no count reads a row.
        "SELECT 'pending', count(*) FROM jobs WHERE state = 'pending' "
        "UNION ALL SELECT 'processing', count(*) FROM jobs "
        "WHERE state = 'processing' "
        "UNION ALL SELECT state, count(*) FROM jobs "
        "WHERE state IN ('scheduled', 'retrying') GROUP BY state "
        "UNION ALL SELECT state, count(*) FROM jobs "
        "WHERE state IN ('completed', 'dead', 'cancelled') GROUP BY state",
        "SELECT type, count(*) FROM jobs WHERE state IN "
        "('pending', 'scheduled', 'processing', 'retrying') "
        "GROUP BY type ORDER BY type",
        "PRAGMA synchronous",
    };

#undef JOBRT_JOB_COLUMNS
#undef JOBRT_SELECT_JOBS
#undef JOBRT_SET_JOB
#undef JOBRT_PURGEABLE

} // namespace jobrt
