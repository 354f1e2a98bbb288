#pragma once

// Records and raw-SQLite helpers shared by the store tests.

#include "jobrt/messages/job.hpp"
#include "jobrt/persistence/job_store.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <memory>
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

inline store_batch upserting(std::vector<job> jobs) {
  store_batch batch;
  batch.upserts = std::move(jobs);
  return batch;
}

inline store_batch removing(std::vector<job_id> ids) {
  store_batch batch;
  batch.removals = std::move(ids);
  return batch;
}

/// Runs SQL on its own connection (creating the file if missing), bypassing
/// the store; returns SQLite's
/// result code.
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

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace jobrt::test
