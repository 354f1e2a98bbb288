#include "jobrt/persistence/sqlite_schema.hpp"

#include "jobrt/persistence/sqlite_error.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include <array>

namespace jobrt {

namespace {

// Step i migrates version i to i + 1. Never edit a released step: add one.
constexpr std::array<const char*, sqlite_schema_version> migrations{
    // 0 -> 1: the first layout.
    R"sql(
CREATE TABLE jobrt_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO jobrt_meta(key, value) VALUES ('last_id', 0);
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  queue TEXT NOT NULL,
  payload BLOB NOT NULL,
  priority INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','scheduled','processing',
                                       'retrying','completed','dead','cancelled')),
  attempt INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  breaker_key TEXT NOT NULL,
  unique_key TEXT,
  cancel_requested INTEGER NOT NULL,
  output BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER);
CREATE UNIQUE INDEX jobs_live_unique_key ON jobs(unique_key)
  WHERE unique_key IS NOT NULL AND state NOT IN ('completed','dead','cancelled');
CREATE INDEX jobs_by_state ON jobs(state, priority, run_at);
CREATE TABLE job_errors(
  job_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  retry_after_ms INTEGER,
  at INTEGER NOT NULL,
  PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
CREATE VIEW job_overview AS
  SELECT id, type, queue, state, attempt, max_attempts, priority,
         datetime(run_at / 1000, 'unixepoch') AS run_at_utc,
         datetime(finished_at / 1000, 'unixepoch') AS finished_utc,
         unique_key
  FROM jobs;
)sql",
    // 1 -> 2: the store owns the table (DESIGN.md, "Persistence"): owner
    // and lease of a processing job; the error count, so that a job
    // without errors is read without a look at job_errors; one partial
    // index per question a commit asks (claim, stage, purge, processing
    // jobs), which also count the states without reading a row; and
    // job_commands, what operators post for the owner (open_operator), in
    // the order posted (seq is the rowid: always above the stored ones).
    R"sql(
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
ALTER TABLE jobs ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET error_count =
  (SELECT count(*) FROM job_errors WHERE job_errors.job_id = jobs.id)
  WHERE id IN (SELECT job_id FROM job_errors);
DROP INDEX jobs_by_state;
CREATE INDEX jobs_ready ON jobs(type, priority, run_at, id)
  WHERE state = 'pending';
CREATE INDEX jobs_waiting ON jobs(run_at, id, state)
  WHERE state IN ('scheduled','retrying');
CREATE INDEX jobs_finished ON jobs(state, coalesce(finished_at, updated_at), id)
  WHERE state IN ('completed','dead','cancelled');
CREATE INDEX jobs_processing ON jobs(owner) WHERE state = 'processing';
DROP VIEW job_overview;
CREATE VIEW job_overview AS
  SELECT id, type, queue, state, attempt, max_attempts, priority,
         datetime(run_at / 1000, 'unixepoch') AS run_at_utc,
         datetime(finished_at / 1000, 'unixepoch') AS finished_utc,
         unique_key, owner,
         datetime(lease_until / 1000, 'unixepoch') AS lease_until_utc,
         error_count
  FROM jobs;
CREATE TABLE job_commands(
  seq INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL);
)sql",
};

store_error not_a_store(const std::string& path, const char* why) {
  return store_error{store_error::code_type::corrupt,
                     path + " is not a jobrt store (" + why + ")"};
}

} // namespace

result<std::int32_t, store_error> sqlite_schema_of(sqlite3* db,
                                                   const std::string& path) {
  BOOST_OUTCOME_TRY(version,
                    sqlite_query_int(db, "PRAGMA user_version", path));
  BOOST_OUTCOME_TRY(objects,
                    sqlite_query_int(db, "SELECT count(*) FROM sqlite_master",
                                     path));
  if (version == 0) {
    if (objects != 0)
      return not_a_store(path, "it holds other tables");
    return 0;
  }
  BOOST_OUTCOME_TRY(has_meta,
                    sqlite_query_int(db,
                                     "SELECT count(*) FROM sqlite_master WHERE "
                                     "type = 'table' AND name = 'jobrt_meta'",
                                     path));
  if (version < 0 || has_meta == 0)
    return not_a_store(path, "no jobrt_meta table");
  if (version > sqlite_schema_version)
    return store_error{store_error::code_type::version,
                       path + " was written by a newer jobrt (schema " +
                           std::to_string(version) + ", this build knows " +
                           std::to_string(sqlite_schema_version) + ")"};
  return static_cast<std::int32_t>(version);
}

result<void, store_error> sqlite_migrate(sqlite3* db, const std::string& path) {
  BOOST_OUTCOME_TRYV(sqlite_exec(db, "BEGIN IMMEDIATE", path,
                                "cannot start the schema migration"));
  auto migrated = [&]() -> result<void, store_error> {
    BOOST_OUTCOME_TRY(version, sqlite_schema_of(db, path));
    for (auto step = version; step < sqlite_schema_version; ++step) {
      auto sql = migrations[static_cast<std::size_t>(step)];
      BOOST_OUTCOME_TRYV(sqlite_exec(db, sql, path, "cannot migrate the schema"));
    }
    if (version != sqlite_schema_version) {
      auto set_version = "PRAGMA user_version = " +
                         std::to_string(sqlite_schema_version);
      BOOST_OUTCOME_TRYV(sqlite_exec(db, set_version.c_str(), path,
                                    "cannot migrate the schema"));
    }
    return sqlite_exec(db, "COMMIT", path, "cannot migrate the schema");
  }();
  if (!migrated && sqlite3_get_autocommit(db) == 0)
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return migrated;
}

} // namespace jobrt
