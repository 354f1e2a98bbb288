#pragma once

// Records and raw-SQLite helpers shared by the store tests.

#include "jobrt/messages/job.hpp"
#include "jobrt/persistence/job_store.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/all_jobs.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobrt::test {

/// Opens `path` as owner; fails the test with the reason if it cannot.
inline std::unique_ptr<sqlite_store> open_store(const std::string& path,
                                                sqlite_options options = {}) {
  auto store = sqlite_store::open(path, options);
  if (!store)
    FAIL("open " << path << ": " << store.error().message);
  return std::move(store).value();
}

inline time_point at_ms(std::int64_t ms) {
  return time_point{duration{ms}};
}

/// A pending job with every required field set and every optional unset.
inline job plain_job(job_id id, std::string type = "email") {
  job j;
  j.id = id;
  j.type = std::move(type);
  j.payload = R"({"to":"a@example.com"})";
  j.breaker_key = j.type;
  j.run_at = at_ms(1'700'000'000'000 + id);
  j.created_at = at_ms(1'700'000'000'000);
  j.updated_at = j.created_at;
  return j;
}

/// A job that uses every field, optionals included.
inline job full_job(job_id id) {
  job j = plain_job(id, "report");
  j.queue = "batch";
  j.payload = std::string("bin\0ary\xff", 8);
  j.priority = 7;
  j.state = job_state::dead;
  j.attempt = 3;
  j.max_attempts = 3;
  j.timeout = std::chrono::seconds(90);
  j.breaker_key = "reports-api";
  j.unique_key = "report-2024-05";
  j.cancel_requested = true;
  j.errors = {
      attempt_error{1, job_error::transient("http_503", "upstream busy"),
                    at_ms(1'700'000'001'000)},
      attempt_error{2, job_error::timeout("ran 90 s"), at_ms(1'700'000'002'000)},
      attempt_error{3, job_error::permanent("bad_input", "no such report"),
                    at_ms(1'700'000'003'000)},
  };
  j.errors[0].error.retry_after = std::chrono::seconds(30);
  j.output = std::string(); // set but empty: must not come back as unset
  j.updated_at = at_ms(1'700'000'003'000);
  j.finished_at = at_ms(1'700'000'003'000);
  return j;
}

inline store_batch inserting(std::vector<job> jobs) {
  store_batch batch;
  batch.inserts = std::move(jobs);
  return batch;
}

/// A write of `record` decided from `from` (the record it was made from).
inline store_batch writing(job record, const job& from) {
  store_batch batch;
  batch.writes.push_back(job_write{std::move(record), job_fence::of(from)});
  return batch;
}

inline store_batch removing(const job& stored) {
  store_batch batch;
  batch.removals.push_back(job_removal{stored.id, job_fence::of(stored)});
  return batch;
}

/// Commits `batch`; fails the test with the reason if the commit fails.
inline store_receipt commit(job_store& store, store_batch batch) {
  auto receipt = store.commit(batch);
  if (!receipt)
    FAIL(store.name() << " commit: " << describe(receipt.error()));
  return std::move(receipt).value();
}

/// Inserts `jobs`, each of which must be new; their ids, in order.
inline std::vector<job_id> insert(job_store& store, std::vector<job> jobs) {
  auto receipt = commit(store, inserting(std::move(jobs)));
  std::vector<job_id> ids;
  for (const auto& outcome : receipt.inserted) {
    REQUIRE_FALSE(outcome.refused);
    REQUIRE_FALSE(outcome.existing);
    ids.push_back(outcome.id);
  }
  return ids;
}

/// Every job of `reader`; fails the test if it cannot read them.
inline std::vector<job> stored_jobs(job_reader& reader) {
  auto jobs = all_jobs(reader);
  if (!jobs)
    FAIL("list: " << describe(jobs.error()));
  return std::move(jobs).value();
}

/// The stored record `id`, or nullopt; fails the test if it cannot read.
inline std::optional<job> stored_job(job_reader& reader, job_id id) {
  auto found = reader.find(id);
  if (!found)
    FAIL("find: " << describe(found.error()));
  return std::move(found).value();
}

inline std::vector<job_id> ids_of(const std::vector<job>& jobs) {
  std::vector<job_id> out;
  for (const auto& j : jobs)
    out.push_back(j.id);
  return out;
}

/// Runs SQL on its own connection (creating the file if missing), bypassing
/// the store; returns SQLite's result code.
inline int raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
}

/// The first column of the first row of a query on its own connection, as
/// text ("" when there is no row).
inline std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      auto text = sqlite3_column_text(stmt, 0);
      if (text != nullptr)
        out = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

/// Another connection's write transaction on `path` (BEGIN IMMEDIATE),
/// held until the object goes and then rolled back: what a store's commit
/// waits for (busy_timeout) and then fails on as store_error::locked.
class held_write_lock {
public:
  explicit held_write_lock(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE,
                            nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
  }
  ~held_write_lock() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  held_write_lock(const held_write_lock&) = delete;
  held_write_lock& operator=(const held_write_lock&) = delete;

private:
  sqlite3* db_ = nullptr;
};

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace jobrt::test
