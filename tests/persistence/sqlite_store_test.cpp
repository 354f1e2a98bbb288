// What only the SQLite store has to get right beyond the contract
// (store_conformance_test.cpp): the file outlives the process, a reader on
// another connection or in another thread sees committed state only, error
// histories are written incrementally, and every query a commit runs is
// served by its index.

#include "jobrt/persistence/sqlite_queries.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/scratch_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>

namespace {

using namespace jobrt;
using namespace jobrt::test;
using code = store_error::code_type;

std::unique_ptr<sqlite_reader> open_reader(const std::string& path) {
  auto reader = sqlite_store::open_reader(path);
  if (!reader)
    FAIL("open_reader " << path << ": " << reader.error().message);
  return std::move(reader).value();
}

TEST_CASE("sqlite store: every field round-trips across close and reopen",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto with_output = full_job(3);
  with_output.output = std::string("result\0bytes", 12);
  with_output.unique_key.reset();
  auto running = plain_job(4);
  running.state = job_state::processing;
  running.attempt = 1;
  running.owner = "runtime-a";
  running.lease_until = at_ms(1'700'000'009'000);
  const std::vector<job> records{plain_job(1), full_job(2), with_output, running};
  {
    auto store = open_store(path);
    CHECK(store->path() == path);
    CHECK(stored_jobs(*store->reader()).empty());
    CHECK(insert(*store, records) == std::vector<job_id>{1, 2, 3, 4});
  }
  auto jobs = stored_jobs(*open_reader(path));
  CHECK(jobs == records);
  // The unset optionals stay unset, the empty output stays set.
  CHECK_FALSE(jobs[0].unique_key);
  CHECK_FALSE(jobs[0].output);
  CHECK_FALSE(jobs[0].finished_at);
  CHECK_FALSE(jobs[0].lease_until);
  REQUIRE(jobs[1].output);
  CHECK(jobs[1].output->empty());
  CHECK(jobs[1].errors[0].error.retry_after == duration{std::chrono::seconds(30)});
  CHECK_FALSE(jobs[1].errors[1].error.retry_after);

  auto store = open_store(path);
  CHECK(stored_jobs(*store->reader()) == records);
}

TEST_CASE("sqlite store: last_id survives purging the highest id and "
          "reopening",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  {
    auto store = open_store(path);
    auto last = plain_job(3);
    last.state = job_state::completed;
    last.finished_at = at_ms(1000);
    insert(*store, {plain_job(1), plain_job(2), last});
    store_batch purge;
    purge.purge = purge_request{at_ms(2000), duration{0}, {}, {}, 10};
    CHECK(commit(*store, std::move(purge)).purged == 1);
  }
  CHECK(raw_query(path, "SELECT value FROM jobrt_meta WHERE key = 'last_id'") ==
        "3");
  auto store = open_store(path);
  CHECK(insert(*store, {plain_job(4)}) == std::vector<job_id>{4});
}

TEST_CASE("sqlite store: an error history is appended to, never rewritten",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto store = open_store(path);
  auto record = plain_job(1);
  record.state = job_state::retrying;
  record.attempt = 1;
  record.errors = {attempt_error{1, job_error::transient("http_503"), at_ms(1)}};
  insert(*store, {record});
  CHECK(raw_query(path, "SELECT error_count FROM jobs WHERE id = 1") == "1");

  // A row written by the first commit, changed behind the store's back,
  // stays as it is: the next write only adds the new entry.
  REQUIRE(raw_exec(path, "UPDATE job_errors SET message = 'kept' "
                         "WHERE job_id = 1 AND seq = 0") == SQLITE_OK);
  auto next = record;
  next.state = job_state::dead;
  next.attempt = 2;
  next.errors.push_back(
      attempt_error{2, job_error::permanent("bad_input"), at_ms(2)});
  CHECK(commit(*store, writing(next, record)).refused.empty());
  CHECK(raw_query(path, "SELECT count(*) FROM job_errors WHERE job_id = 1") ==
        "2");
  CHECK(raw_query(path, "SELECT message FROM job_errors WHERE seq = 0") ==
        "kept");
  CHECK(raw_query(path, "SELECT error_count FROM jobs WHERE id = 1") == "2");
  auto found = stored_job(*store->reader(), 1);
  REQUIRE(found);
  CHECK(found->errors[1] == next.errors[1]);

  // A removal takes the history with it.
  CHECK(commit(*store, removing(*found)).refused.empty());
  CHECK(raw_query(path, "SELECT count(*) FROM job_errors") == "0");
}

TEST_CASE("sqlite store: a reader of the file sees the owner's commits "
          "while it runs",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto owner = open_store(path);
  insert(*owner, {plain_job(1)});

  auto reader = open_reader(path);
  CHECK(reader->path() == path);
  CHECK(ids_of(stored_jobs(*reader)) == std::vector<job_id>{1});
  insert(*owner, {full_job(2)});
  CHECK(stored_job(*reader, 2) == full_job(2));
}

TEST_CASE("sqlite store: the owner's reader, on another thread, shows only "
          "whole commits",
          "[sqlite_store]") {
  scratch_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  auto reader = store->reader();
  constexpr std::size_t per_commit = 10;
  constexpr int commits = 50;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> partial{0}, reads{0};
  std::thread watcher{[&] {
    // At least one read after the last commit: `done` is read first.
    for (bool last = false; !last;) {
      last = done.load();
      auto counts = reader->count_by_state();
      auto total = counts ? counts.value()[0] : 1; // pending
      if (total % per_commit != 0)
        ++partial;
      ++reads;
    }
  }};
  for (int i = 0; i < commits; ++i)
    insert(*store, std::vector<job>(per_commit, plain_job(1)));
  done = true;
  watcher.join();
  CHECK(partial == 0);
  CHECK(reads > 0);
  auto counts = reader->count_by_state();
  REQUIRE(counts);
  CHECK(counts.value()[0] == per_commit * commits);
}

TEST_CASE("sqlite store: the file is in WAL mode at schema 2 and "
          "synchronous follows the options",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  {
    auto store = open_store(path);
    CHECK(store->synchronous().value() == sqlite_options::sync_mode::full);
    CHECK(raw_query(path, "PRAGMA journal_mode") == "wal");
  }
  sqlite_options fast;
  fast.synchronous = sqlite_options::sync_mode::normal;
  auto store = open_store(path, fast);
  CHECK(store->synchronous().value() == sqlite_options::sync_mode::normal);
  CHECK(raw_query(path, "PRAGMA user_version") == "2");
  CHECK(store->name() == "sqlite");
}

/// SQLite's plan for one of the store's statements, one line per step.
std::string plan_of(const std::string& path, sqlite_query q) {
  auto sql = std::string(sqlite_query_sql[static_cast<std::size_t>(q)]);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string plan;
  if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &stmt,
                         nullptr) == SQLITE_OK)
    while (sqlite3_step(stmt) == SQLITE_ROW)
      plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)) +
              std::string("\n");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return plan;
}

TEST_CASE("sqlite store: what a commit asks per claim, stage, rescue or "
          "purge is answered from its index, never a table scan",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  { open_store(path); }
  struct expectation {
    sqlite_query query;
    const char* index;
  };
  for (auto [q, index] : {expectation{sqlite_query::select_ready, "jobs_ready"},
                          expectation{sqlite_query::select_due, "jobs_waiting"},
                          expectation{sqlite_query::select_unowned,
                                      "jobs_processing"},
                          expectation{sqlite_query::renew_leases,
                                      "jobs_processing"},
                          expectation{sqlite_query::purge_jobs, "jobs_finished"},
                          expectation{sqlite_query::purge_errors,
                                      "jobs_finished"},
                          expectation{sqlite_query::live_holder,
                                      "jobs_live_unique_key"},
                          expectation{sqlite_query::count_states,
                                      "jobs_finished"}}) {
    auto plan = plan_of(path, q);
    INFO("query " << static_cast<std::size_t>(q) << ":\n" << plan);
    CHECK_THAT(plan, Catch::Contains(index));
    CHECK_THAT(plan, !Catch::Contains("SCAN jobs\n"));
    CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE FOR ORDER BY"));
  }
}

} // namespace
