#include "sqlite_reference.hpp"

#include "jobrt/persistence/sqlite_schema.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <system_error>

namespace bench {

namespace {

using steady = std::chrono::steady_clock;
using status = jobrt::result<void, std::string>;

constexpr std::size_t jobs_per_transaction = 1000;

constexpr const char* insert_sql =
    "INSERT INTO jobs (id, type, queue, payload, priority, state, attempt, "
    "max_attempts, run_at, timeout_ms, breaker_key, cancel_requested, "
    "created_at, updated_at) "
    "VALUES (?1, 'noop', 'default', ?2, 0, 'pending', 0, 5, ?3, 1800000, "
    "'noop', 0, ?3, ?3)";
constexpr const char* processing_sql =
    "UPDATE jobs SET state = 'processing', attempt = 1, updated_at = ?2 "
    "WHERE id = ?1";
constexpr const char* completed_sql =
    "UPDATE jobs SET state = 'completed', output = '', updated_at = ?2, "
    "finished_at = ?2 WHERE id = ?1";

struct connection_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using connection = std::unique_ptr<sqlite3, connection_closer>;

struct statement_finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

/// The three statements of one job's life, and the transaction around them.
struct job_statements {
  statement begin, commit, insert, processing, completed;
};

std::string failure(sqlite3* db, const std::string& step) {
  return "sqlite reference: " + step + ": " + sqlite3_errmsg(db);
}

void remove_database(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix, ignored);
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
  BOOST_OUTCOME_TRY(processing, prepare(db, processing_sql));
  BOOST_OUTCOME_TRY(completed, prepare(db, completed_sql));
  s.begin = std::move(begin);
  s.commit = std::move(commit);
  s.insert = std::move(insert);
  s.processing = std::move(processing);
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

/// One job's three writes: enqueue, dispatch, completion.
status run_job(sqlite3* db, const job_statements& s, std::int64_t id,
               std::int64_t at) {
  static constexpr char payload[] = R"({"n":1})";
  sqlite3_bind_int64(s.insert.get(), 1, id);
  sqlite3_bind_blob(s.insert.get(), 2, payload, sizeof payload - 1,
                    SQLITE_STATIC);
  sqlite3_bind_int64(s.insert.get(), 3, at);
  BOOST_OUTCOME_TRYV(run(db, s.insert.get(), "insert"));
  for (auto* update : {s.processing.get(), s.completed.get()}) {
    sqlite3_bind_int64(update, 1, id);
    sqlite3_bind_int64(update, 2, at);
    BOOST_OUTCOME_TRYV(run(db, update, "update"));
  }
  return jobrt::outcome::success();
}

status run_transaction(sqlite3* db, const job_statements& s,
                       std::int64_t first_id, std::size_t count) {
  BOOST_OUTCOME_TRYV(run(db, s.begin.get(), "begin"));
  auto at = now_ms();
  for (std::size_t i = 0; i < count; ++i) {
    auto id = first_id + static_cast<std::int64_t>(i);
    BOOST_OUTCOME_TRYV(run_job(db, s, id, at));
  }
  return run(db, s.commit.get(), "commit");
}

status run_jobs(sqlite3* db, const job_statements& s, std::size_t jobs) {
  for (std::size_t done = 0; done < jobs; done += jobs_per_transaction) {
    auto count = std::min(jobs_per_transaction, jobs - done);
    auto first_id = static_cast<std::int64_t>(done) + 1;
    BOOST_OUTCOME_TRYV(run_transaction(db, s, first_id, count));
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
