#include "sqlite_reference.hpp"

#include "database_files.hpp"

#include "jobrt/persistence/sqlite_schema.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace bench {

namespace {

using steady = std::chrono::steady_clock;
using status = jobrt::result<void, std::string>;

constexpr std::size_t jobs_per_transaction = 1000;

/// The owner column of a processing job, as long as the runtime's.
constexpr const char* owner = "bench-reference:0000000000000000";

// What the runtime writes for a job of W1's flood, which waits in the store
// for a slot: the job as enqueued (pending); its claim, which reads the
// oldest ready rows through the claim's index and takes them (processing,
// attempt 1, the owner set; a single SQLite owner takes no lease); and its
// completion, fenced on the state, attempt and owner it was decided from.
constexpr const char* insert_sql =
    "INSERT INTO jobs (id, type, queue, payload, priority, state, attempt, "
    "max_attempts, run_at, timeout_ms, breaker_key, cancel_requested, "
    "created_at, updated_at) "
    "VALUES (?1, 'noop', 'default', ?2, 0, 'pending', 0, 5, ?3, 1800000, "
    "'noop', 0, ?3, ?3)";
constexpr const char* ready_sql =
    "SELECT id, payload FROM jobs WHERE state = 'pending' AND type = 'noop' "
    "AND run_at <= ?1 ORDER BY priority, run_at, id LIMIT ?2";
constexpr const char* claim_sql =
    "UPDATE jobs SET state = 'processing', attempt = 1, owner = ?3, "
    "updated_at = ?2 WHERE id = ?1";
constexpr const char* completed_sql =
    "UPDATE jobs SET state = 'completed', output = '', owner = '', "
    "lease_until = NULL, updated_at = ?2, finished_at = ?2 "
    "WHERE id = ?1 AND state = 'processing' AND attempt = 1 AND owner = ?3";

struct connection_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using connection = std::unique_ptr<sqlite3, connection_closer>;

struct statement_finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

/// The statements of one job's life, and the transaction around them.
struct job_statements {
  statement begin, commit, insert, ready, claim, completed;
};

std::string failure(sqlite3* db, const std::string& step) {
  return "sqlite reference: " + step + ": " + sqlite3_errmsg(db);
}

/// Removes the database files when the measurement ends, however it ends.
struct database_remover {
  std::string path;
  ~database_remover() { remove_database(path); }
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

status exec(sqlite3* db, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return failure(db, sql.substr(0, sql.find_first_of("(;")));
  return jobrt::outcome::success();
}

jobrt::result<statement, std::string> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw,
                         nullptr) != SQLITE_OK)
    return failure(db, std::string("prepare ") + sql);
  return statement{raw};
}

jobrt::result<connection, std::string> open_fresh(const std::string& path,
                                                  bool synchronous_full) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  connection db{raw};
  if (rc != SQLITE_OK)
    return failure(db.get(), "open " + path);
  BOOST_OUTCOME_TRYV(exec(db.get(), "PRAGMA journal_mode = WAL"));
  auto sync = synchronous_full ? "PRAGMA synchronous = FULL"
                               : "PRAGMA synchronous = NORMAL";
  BOOST_OUTCOME_TRYV(exec(db.get(), sync));
  // The store's own schema (its migrations), so the reference pays for
  // the same table, constraints and indexes as the store.
  if (auto migrated = jobrt::sqlite_migrate(db.get(), path); !migrated)
    return migrated.error().message;
  return db;
}

jobrt::result<job_statements, std::string> prepare_all(sqlite3* db) {
  job_statements s;
  BOOST_OUTCOME_TRY(begin, prepare(db, "BEGIN"));
  BOOST_OUTCOME_TRY(commit, prepare(db, "COMMIT"));
  BOOST_OUTCOME_TRY(insert, prepare(db, insert_sql));
  BOOST_OUTCOME_TRY(ready, prepare(db, ready_sql));
  BOOST_OUTCOME_TRY(claim, prepare(db, claim_sql));
  BOOST_OUTCOME_TRY(completed, prepare(db, completed_sql));
  s.begin = std::move(begin);
  s.commit = std::move(commit);
  s.insert = std::move(insert);
  s.ready = std::move(ready);
  s.claim = std::move(claim);
  s.completed = std::move(completed);
  return s;
}

/// Steps `s` once to its end and resets it for the next use.
status run(sqlite3* db, sqlite3_stmt* s, const char* step) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE)
    return failure(db, step);
  return jobrt::outcome::success();
}

using job_ids = std::vector<std::int64_t>;

/// Enqueues the jobs [first, first + count).
status insert_jobs(sqlite3* db, const job_statements& s, std::int64_t first,
                   std::size_t count, std::int64_t at) {
  static constexpr char payload[] = R"({"n":1})";
  auto* insert = s.insert.get();
  for (std::size_t i = 0; i < count; ++i) {
    sqlite3_bind_int64(insert, 1, first + static_cast<std::int64_t>(i));
    sqlite3_bind_blob(insert, 2, payload, sizeof payload - 1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 3, at);
    BOOST_OUTCOME_TRYV(run(db, insert, "insert"));
  }
  return jobrt::outcome::success();
}

/// Runs `update` (?1 the id, ?2 the time, ?3 the owner) for each of `ids`;
/// each must change its row (for a completion: its fence held).
status update_jobs(sqlite3* db, sqlite3_stmt* update, const job_ids& ids,
                   std::int64_t at, const char* step) {
  for (auto id : ids) {
    sqlite3_bind_int64(update, 1, id);
    sqlite3_bind_int64(update, 2, at);
    sqlite3_bind_text(update, 3, owner, -1, SQLITE_STATIC);
    BOOST_OUTCOME_TRYV(run(db, update, step));
    if (sqlite3_changes(db) != 1)
      return failure(db, std::string(step) + ": the row is not as expected");
  }
  return jobrt::outcome::success();
}

/// Takes up to jobs_per_transaction ready jobs, as a claim does.
jobrt::result<job_ids, std::string> claim_jobs(sqlite3* db,
                                               const job_statements& s,
                                               std::int64_t at) {
  job_ids taken;
  auto* ready = s.ready.get();
  sqlite3_bind_int64(ready, 1, at);
  sqlite3_bind_int64(ready, 2, static_cast<std::int64_t>(jobs_per_transaction));
  int rc;
  while ((rc = sqlite3_step(ready)) == SQLITE_ROW) {
    // A claim hands each row to its handler: the payload is read too.
    (void) sqlite3_column_blob(ready, 1);
    taken.push_back(sqlite3_column_int64(ready, 0));
  }
  sqlite3_reset(ready);
  if (rc != SQLITE_DONE)
    return failure(db, "select ready");
  BOOST_OUTCOME_TRYV(update_jobs(db, s.claim.get(), taken, at, "claim"));
  return taken;
}

/// A job's three writes go to three successive transactions, as in the
/// runtime, where it waits between the first two and runs between the last
/// two: each write finds the row's page already on disk, not still dirty in
/// its own transaction. Each transaction completes the jobs the previous one
/// claimed, claims the jobs enqueued before, and enqueues the next 1,000.
status run_jobs(sqlite3* db, const job_statements& s, std::size_t jobs) {
  std::size_t inserted = 0;
  std::size_t completed = 0;
  job_ids claimed;
  while (completed < jobs) {
    BOOST_OUTCOME_TRYV(run(db, s.begin.get(), "begin"));
    auto at = now_ms();
    BOOST_OUTCOME_TRYV(update_jobs(db, s.completed.get(), claimed, at,
                                   "complete"));
    completed += claimed.size();
    BOOST_OUTCOME_TRY(taken, claim_jobs(db, s, at));
    claimed = std::move(taken);
    auto count = std::min(jobs_per_transaction, jobs - inserted);
    BOOST_OUTCOME_TRYV(insert_jobs(db, s, static_cast<std::int64_t>(inserted) + 1,
                                   count, at));
    inserted += count;
    BOOST_OUTCOME_TRYV(run(db, s.commit.get(), "commit"));
  }
  return jobrt::outcome::success();
}

} // namespace

jobrt::result<sqlite_reference_result, std::string>
measure_sqlite_reference(const std::string& db_path, std::size_t jobs,
                         bool synchronous_full) {
  remove_database(db_path);
  database_remover remover{db_path};
  BOOST_OUTCOME_TRY(db, open_fresh(db_path, synchronous_full));
  BOOST_OUTCOME_TRY(statements, prepare_all(db.get()));
  auto start = steady::now();
  BOOST_OUTCOME_TRYV(run_jobs(db.get(), statements, jobs));
  auto seconds = std::chrono::duration<double>(steady::now() - start).count();
  return sqlite_reference_result{
      seconds > 0 ? static_cast<double>(jobs) / seconds : 0.0, jobs};
}

} // namespace bench
