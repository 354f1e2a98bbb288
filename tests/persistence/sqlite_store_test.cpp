#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/scratch_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <memory>

namespace {

using namespace jobrt;
using namespace jobrt::test;
using code = store_error::code_type;

void commit(sqlite_store& store, store_batch batch) {
  auto done = store.commit(batch);
  if (!done)
    FAIL("commit: " << done.error().message);
}

store_snapshot load(sqlite_store& store) {
  auto snapshot = store.load();
  if (!snapshot)
    FAIL("load: " << snapshot.error().message);
  return std::move(snapshot).value();
}

std::vector<job_id> ids(const std::vector<job>& jobs) {
  std::vector<job_id> out;
  for (const auto& j : jobs)
    out.push_back(j.id);
  return out;
}

TEST_CASE("sqlite store: every field round-trips across close and reopen",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto with_output = full_job(3);
  with_output.output = std::string("result\0bytes", 12);
  with_output.unique_key.reset();
  {
    auto store = open_store(path);
    CHECK(store->path() == path);
    CHECK_FALSE(store->read_only());
    CHECK(load(*store).jobs.empty());
    commit(*store, upserting({plain_job(1), full_job(2), with_output}));
  }
  {
    // A reader of a closed store sees the same.
    auto reader = sqlite_store::open_reader(path);
    REQUIRE(reader);
    auto seen = reader.value()->load();
    REQUIRE(seen);
    CHECK(seen.value().jobs ==
          std::vector<job>{plain_job(1), full_job(2), with_output});
  }
  auto store = open_store(path);
  auto snapshot = load(*store);
  REQUIRE(snapshot.jobs.size() == 3);
  CHECK(snapshot.jobs[0] == plain_job(1));
  CHECK(snapshot.jobs[1] == full_job(2));
  CHECK(snapshot.jobs[2] == with_output);
  CHECK(snapshot.last_id == 3);
  // The unset optionals stay unset, the empty output stays set.
  CHECK_FALSE(snapshot.jobs[0].unique_key);
  CHECK_FALSE(snapshot.jobs[0].output);
  CHECK_FALSE(snapshot.jobs[0].finished_at);
  REQUIRE(snapshot.jobs[1].output);
  CHECK(snapshot.jobs[1].output->empty());
  CHECK(snapshot.jobs[1].errors[0].error.retry_after ==
        duration{std::chrono::seconds(30)});
  CHECK_FALSE(snapshot.jobs[1].errors[1].error.retry_after);
}

TEST_CASE("sqlite store: an upsert replaces the mutable fields and keeps "
          "the error history",
          "[sqlite_store]") {
  scratch_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  auto record = plain_job(1);
  record.unique_key = "k";
  record.state = job_state::retrying;
  record.attempt = 1;
  record.errors.push_back(attempt_error{1, job_error::transient("http_503"),
                                        at_ms(1'700'000'001'000)});
  commit(*store, upserting({record}));

  record.state = job_state::completed;
  record.priority = 4;
  record.attempt = 2;
  record.max_attempts = 9;
  record.run_at = at_ms(1'800'000'000'000);
  record.timeout = std::chrono::seconds(5);
  record.cancel_requested = true;
  record.errors.push_back(attempt_error{2, job_error::timeout(),
                                        at_ms(1'700'000'002'000)});
  record.output = "ok";
  record.updated_at = at_ms(1'700'000'009'000);
  record.finished_at = record.updated_at;
  commit(*store, upserting({record}));

  auto found = store->find(1);
  REQUIRE(found);
  REQUIRE(found.value());
  CHECK(*found.value() == record);
  CHECK(load(*store).jobs == std::vector<job>{record});
}

TEST_CASE("sqlite store: removing a job removes its error history",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  {
    auto store = open_store(path);
    commit(*store, upserting({full_job(1), full_job(2)}));
    commit(*store, removing({1}));
    auto snapshot = load(*store);
    REQUIRE(snapshot.jobs.size() == 1);
    CHECK(snapshot.jobs[0] == full_job(2));
  }
  CHECK(raw_query(path, "SELECT count(*) FROM job_errors WHERE job_id = 1") ==
        "0");
  CHECK(raw_query(path, "SELECT count(*) FROM job_errors WHERE job_id = 2") ==
        "3");
}

TEST_CASE("sqlite store: last_id survives removing and purging the highest id",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  {
    auto store = open_store(path);
    auto last = plain_job(7);
    last.state = job_state::completed;
    last.finished_at = at_ms(1000);
    commit(*store, upserting({plain_job(1), plain_job(6), last}));
    auto purged = store->purge_finished(job_state::completed, at_ms(2000));
    REQUIRE(purged);
    CHECK(purged.value() == 1);
    commit(*store, removing({6}));
  }
  auto store = open_store(path);
  auto snapshot = load(*store);
  CHECK(ids(snapshot.jobs) == std::vector<job_id>{1});
  CHECK(snapshot.last_id == 7);
}

TEST_CASE("sqlite store: a second live job with a held unique key is a "
          "conflict and its whole batch is refused",
          "[sqlite_store]") {
  scratch_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  auto holder = plain_job(1);
  holder.unique_key = "invoice-42";
  commit(*store, upserting({holder}));

  auto duplicate = plain_job(3);
  duplicate.unique_key = "invoice-42";
  auto batch = upserting({plain_job(2), duplicate});
  batch.removals = {1};
  auto refused = store->commit(batch);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == code::conflict);
  CHECK_THAT(refused.error().message,
             Catch::Contains("unique key 'invoice-42' is already held by a "
                             "live job"));
  auto snapshot = load(*store);
  CHECK(snapshot.jobs == std::vector<job>{holder});
  CHECK(snapshot.last_id == 1);

  // The store stays usable after the rollback.
  commit(*store, upserting({plain_job(2)}));
  CHECK(ids(load(*store).jobs) == std::vector<job_id>{1, 2});
}

TEST_CASE("sqlite store: a terminal job's unique key can be reused",
          "[sqlite_store]") {
  scratch_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  auto first = plain_job(1);
  first.unique_key = "nightly";
  first.state = job_state::completed;
  first.finished_at = at_ms(5);
  auto second = plain_job(2);
  second.unique_key = "nightly";
  commit(*store, upserting({first, second}));
  CHECK(load(*store).jobs.size() == 2);

  // Requeueing the finished one while the second is live is a conflict.
  first.state = job_state::pending;
  auto requeue = upserting({first});
  auto refused = store->commit(requeue);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == code::conflict);
  auto found = store->find(1);
  REQUIRE(found);
  REQUIRE(found.value());
  CHECK(found.value()->state == job_state::completed);
}

std::vector<job> mixed_jobs() {
  std::vector<job> jobs;
  for (job_id id = 1; id <= 10; ++id) {
    auto j = plain_job(id, id % 2 == 0 ? "email" : "report");
    j.queue = id <= 5 ? "default" : "batch";
    j.state = id % 3 == 0 ? job_state::completed : job_state::pending;
    jobs.push_back(j);
  }
  jobs[3].state = job_state::dead; // id 4
  return jobs;
}

TEST_CASE("sqlite store: count_by_state counts each state", "[sqlite_store]") {
  scratch_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  auto empty = store->count_by_state();
  REQUIRE(empty);
  CHECK(empty.value() == state_counts{});
  commit(*store, upserting(mixed_jobs()));
  auto counts = store->count_by_state();
  REQUIRE(counts);
  auto of = [&](job_state s) { return counts.value()[static_cast<std::size_t>(s)]; };
  CHECK(of(job_state::pending) == 6);
  CHECK(of(job_state::completed) == 3);
  CHECK(of(job_state::dead) == 1);
  CHECK(of(job_state::processing) == 0);
}

TEST_CASE("sqlite store: list filters and pages in id order",
          "[sqlite_store]") {
  scratch_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  auto jobs = mixed_jobs();
  jobs[0].errors.push_back(attempt_error{1, job_error::transient("x"), at_ms(1)});
  commit(*store, upserting(jobs));

  SECTION("everything, in pages of four") {
    job_query q;
    q.limit = 4;
    auto first = store->list(q);
    REQUIRE(first);
    CHECK(ids(first.value().jobs) == std::vector<job_id>{1, 2, 3, 4});
    CHECK(first.value().jobs[0] == jobs[0]); // with its history
    REQUIRE(first.value().next_after == job_id{4});
    q.after = 4;
    auto second = store->list(q);
    REQUIRE(second);
    CHECK(ids(second.value().jobs) == std::vector<job_id>{5, 6, 7, 8});
    q.after = *second.value().next_after;
    auto last = store->list(q);
    REQUIRE(last);
    CHECK(ids(last.value().jobs) == std::vector<job_id>{9, 10});
    CHECK_FALSE(last.value().next_after);
  }
  SECTION("an exact last page has no cursor") {
    job_query q;
    q.limit = 10;
    auto page = store->list(q);
    REQUIRE(page);
    CHECK(page.value().jobs.size() == 10);
    CHECK_FALSE(page.value().next_after);
  }
  SECTION("filters combine") {
    job_query q;
    q.state = job_state::pending;
    q.type = "email";
    auto page = store->list(q);
    REQUIRE(page);
    CHECK(ids(page.value().jobs) == std::vector<job_id>{2, 8, 10});
    q.queue = "default";
    page = store->list(q);
    REQUIRE(page);
    CHECK(ids(page.value().jobs) == std::vector<job_id>{2});
  }
  SECTION("the limit is clamped to [1, max_page_size]") {
    job_query q;
    q.limit = 0;
    auto page = store->list(q);
    REQUIRE(page);
    CHECK(ids(page.value().jobs) == std::vector<job_id>{1});
    CHECK(page.value().next_after == job_id{1});
    q.limit = max_page_size * 10;
    page = store->list(q);
    REQUIRE(page);
    CHECK(page.value().jobs.size() == 10);
  }
}

TEST_CASE("sqlite store: find returns the record or nothing",
          "[sqlite_store]") {
  scratch_dir dir;
  auto store = open_store(dir.file("jobs.db"));
  commit(*store, upserting({full_job(5), full_job(6)}));
  auto found = store->find(5);
  REQUIRE(found);
  REQUIRE(found.value());
  CHECK(*found.value() == full_job(5));
  auto missing = store->find(4);
  REQUIRE(missing);
  CHECK_FALSE(missing.value());
}

TEST_CASE("sqlite store: purge_finished removes only old jobs of one "
          "terminal state",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto store = open_store(path);
  auto finished = [](job_id id, job_state s, std::int64_t at) {
    auto j = full_job(id);
    j.unique_key.reset();
    j.state = s;
    j.finished_at = at_ms(at);
    return j;
  };
  commit(*store, upserting({finished(1, job_state::completed, 100),
                            finished(2, job_state::completed, 300),
                            finished(3, job_state::dead, 100),
                            plain_job(4)}));
  auto purged = store->purge_finished(job_state::completed, at_ms(200));
  REQUIRE(purged);
  CHECK(purged.value() == 1);
  CHECK(ids(load(*store).jobs) == std::vector<job_id>{2, 3, 4});
  CHECK(raw_query(path, "SELECT count(*) FROM job_errors WHERE job_id = 1") ==
        "0");

  auto refused = store->purge_finished(job_state::pending, at_ms(1'000'000));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message,
             Catch::Contains("only completed, dead or cancelled jobs can be "
                             "purged"));
  CHECK(ids(load(*store).jobs) == std::vector<job_id>{2, 3, 4});
}

TEST_CASE("sqlite store: a reader sees the owner's commits while it runs "
          "and cannot write",
          "[sqlite_store]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto owner = open_store(path);
  commit(*owner, upserting({plain_job(1)}));

  auto opened = sqlite_store::open_reader(path);
  REQUIRE(opened);
  auto& reader = *opened.value();
  CHECK(reader.read_only());
  CHECK(ids(load(reader).jobs) == std::vector<job_id>{1});

  commit(*owner, upserting({full_job(2)}));
  auto found = reader.find(2);
  REQUIRE(found);
  REQUIRE(found.value());
  CHECK(*found.value() == full_job(2));
  CHECK(load(reader).last_id == 2);

  auto batch = upserting({plain_job(3)});
  auto refused = reader.commit(batch);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == code::io);
  CHECK_THAT(refused.error().message, Catch::Contains("read-only"));
  auto purge = reader.purge_finished(job_state::completed, at_ms(1));
  REQUIRE_FALSE(purge);
  CHECK(purge.error().code == code::io);
  CHECK(ids(load(*owner).jobs) == std::vector<job_id>{1, 2});
}

TEST_CASE("sqlite store: the file is in WAL mode and synchronous follows "
          "the options",
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
  CHECK(raw_query(path, "PRAGMA user_version") == "1");
}

} // namespace
