// Attacks on the SQLite store: damaged, foreign, newer, unwritable, locked
// and full databases. Each must give a typed, readable store_error, never a
// crash, and lose nothing that was committed.

#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/read_only_dir.hpp"
#include "persistence/scratch_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace jobrt;
using namespace jobrt::test;
using code = store_error::code_type;

void write_random_bytes(const std::string& path, std::size_t offset,
                        std::size_t count) {
  std::mt19937 random{42};
  std::string bytes(count, '\0');
  for (auto& b : bytes)
    b = static_cast<char>(random());
  std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
  if (!out) {
    out.open(path, std::ios::binary | std::ios::out);
  }
  out.seekp(static_cast<std::streamoff>(offset));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_CASE("not a database: a file of random bytes is refused as corrupt",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("random.db");
  write_random_bytes(path, 0, 64 * 1024);
  auto before = file_bytes(path);

  auto owner = sqlite_store::open(path);
  REQUIRE_FALSE(owner);
  CHECK(owner.error().code == code::corrupt);
  CHECK_THAT(owner.error().message, Catch::Contains(path));
  auto reader = sqlite_store::open_reader(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == code::corrupt);
  bool unchanged = file_bytes(path) == before;
  CHECK(unchanged);
}

TEST_CASE("corrupt pages: garbage over a store's data is reported as "
          "corrupt, never a crash",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  {
    auto store = open_store(path);
    insert(*store, std::vector<job>(50, full_job(1)));
  }
  auto size = std::filesystem::file_size(path);
  REQUIRE(size > 4096);
  write_random_bytes(path, 4096, size - 4096); // every page but the first

  auto store = sqlite_store::open(path);
  if (!store) {
    CHECK(store.error().code == code::corrupt);
    return;
  }
  auto jobs = all_jobs(*store.value()->reader());
  REQUIRE_FALSE(jobs);
  CHECK(jobs.error().code == code::corrupt);
  CHECK_THAT(jobs.error().message, Catch::Contains(path));
}

TEST_CASE("newer schema: a file from a newer jobrt is refused with version",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  { open_store(path); }
  REQUIRE(raw_exec(path, "PRAGMA user_version = 99") == SQLITE_OK);

  auto owner = sqlite_store::open(path);
  REQUIRE_FALSE(owner);
  CHECK(owner.error().code == code::version);
  CHECK(owner.error().message ==
        path + " was written by a newer jobrt (schema 99, this build knows 2)");
  auto reader = sqlite_store::open_reader(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == code::version);
  CHECK(raw_query(path, "PRAGMA user_version") == "99");
}

TEST_CASE("foreign database: another program's SQLite file is refused and "
          "left unchanged",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("app.db");
  REQUIRE(raw_exec(path, "CREATE TABLE users(id INTEGER PRIMARY KEY, name "
                         "TEXT); INSERT INTO users VALUES (1, 'ada');") ==
          SQLITE_OK);
  auto before = file_bytes(path);

  auto owner = sqlite_store::open(path);
  REQUIRE_FALSE(owner);
  CHECK(owner.error().code == code::corrupt);
  CHECK_THAT(owner.error().message, Catch::Contains("not a jobrt store"));
  auto reader = sqlite_store::open_reader(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == code::corrupt);

  bool unchanged = file_bytes(path) == before;
  CHECK(unchanged);
  CHECK(raw_query(path, "PRAGMA journal_mode") == "delete");
  CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_CASE("missing file: a reader is refused with io", "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("absent.db");
  auto reader = sqlite_store::open_reader(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == code::io);
  CHECK_THAT(reader.error().message, Catch::Contains(path));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("read-only directory: opening a store there fails with io",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto existing = dir.file("existing.db");
  {
    auto store = open_store(existing);
    insert(*store, {plain_job(1)});
  }
  auto fresh = dir.file("fresh.db");
  read_only_dir guard{dir.path()};
  REQUIRE(guard.ok());

  auto created = sqlite_store::open(fresh);
  REQUIRE_FALSE(created);
  CHECK(created.error().code == code::io);
  CHECK_THAT(created.error().message, Catch::StartsWith(fresh + ": cannot open"));

  // An existing store cannot get its WAL there either: still io, not a crash.
  auto reopened = sqlite_store::open(existing);
  REQUIRE_FALSE(reopened);
  CHECK(reopened.error().code == code::io);
  CHECK_THAT(reopened.error().message, Catch::Contains(existing));
}

TEST_CASE("second owner: a held store is locked until its owner is gone",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto first = open_store(path);
  insert(*first, {plain_job(1)});

  auto second = sqlite_store::open(path);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == code::locked);
  CHECK(second.error().message ==
        path + " is held by another process (a running jobrt runtime or "
               "jobctl)");
  // A reader needs no lock.
  CHECK(sqlite_store::open_reader(path));

  // The first owner still works after the refusal.
  insert(*first, {plain_job(2)});
  first.reset();

  auto third = open_store(path);
  CHECK(stored_jobs(*third->reader()).size() == 2);
}

TEST_CASE("busy database: a commit while another connection writes fails "
          "as locked and loses nothing",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  sqlite_options options;
  options.busy_timeout = std::chrono::milliseconds(20);
  auto store = open_store(path, options);
  insert(*store, {plain_job(1)});

  sqlite3* intruder = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &intruder, SQLITE_OPEN_READWRITE,
                          nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(intruder, "BEGIN EXCLUSIVE", nullptr, nullptr,
                       nullptr) == SQLITE_OK);

  auto batch = inserting({plain_job(2), plain_job(3)});
  auto refused = store->commit(batch);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == code::locked);
  CHECK_THAT(refused.error().message, Catch::Contains(path));

  REQUIRE(sqlite3_exec(intruder, "COMMIT", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  sqlite3_close(intruder);

  // The failed commit took no ids.
  CHECK(insert(*store, {plain_job(2), plain_job(3)}) ==
        std::vector<job_id>{2, 3});
  CHECK(stored_jobs(*store->reader()) ==
        std::vector<job>{plain_job(1), plain_job(2), plain_job(3)});
}

TEST_CASE("full disk: a commit beyond max_page_count fails as io and the "
          "store keeps working",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  sqlite_options options;
  options.max_page_count = 64; // 256 KiB with 4 KiB pages
  auto store = open_store(path, options);
  insert(*store, {plain_job(1), plain_job(2)});

  std::vector<job> big;
  for (job_id id = 3; id <= 12; ++id) {
    auto j = plain_job(id);
    j.payload.assign(100 * 1024, 'x');
    big.push_back(std::move(j));
  }
  auto batch = inserting(std::move(big));
  auto refused = store->commit(batch);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == code::io);
  CHECK_THAT(refused.error().message, Catch::Contains("full"));
  // A failure of the medium names no record: the whole batch must wait.
  CHECK_FALSE(refused.error().record);
  CHECK_THAT(refused.error().message, Catch::Contains(path));
  CHECK(stored_jobs(*store->reader()) ==
        std::vector<job>{plain_job(1), plain_job(2)});

  CHECK(commit(*store, removing(plain_job(1))).refused.empty());
  CHECK(insert(*store, {plain_job(3)}) == std::vector<job_id>{3});
  CHECK(stored_jobs(*store->reader()) ==
        std::vector<job>{plain_job(2), plain_job(3)});
}

TEST_CASE("too large: a payload, output or error over the limit is refused "
          "alone and the rest is written",
          "[sqlite_failure]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  sqlite_options options;
  options.max_payload_bytes = 32;
  auto store = open_store(path, options);
  CHECK(store->max_payload_bytes() == 32);

  auto big_payload = plain_job(2);
  big_payload.payload.assign(33, 'p');
  auto receipt = commit(*store, inserting({plain_job(1), big_payload}));
  REQUIRE(receipt.inserted.size() == 2);
  CHECK(receipt.inserted[0].id == 1);
  auto& refused = receipt.inserted[1].refused;
  REQUIRE(refused);
  CHECK(refused->code == code::too_large);
  CHECK(refused->message ==
        path + ": a new 'email' job: payload of 33 bytes exceeds the limit of "
               "32 bytes");

  auto stored = plain_job(1);
  auto with = [&](auto change) {
    auto next = stored;
    change(next);
    auto answer = commit(*store, writing(next, stored)).refused;
    REQUIRE(answer.size() == 1);
    CHECK(answer[0].code == write_refusal::code_type::record);
    REQUIRE(answer[0].error);
    CHECK(answer[0].error->code == code::too_large);
    CHECK(answer[0].error->record == job_id{1});
    return answer[0].error->message;
  };
  CHECK_THAT(with([](job& j) { j.output = std::string(33, 'o'); }),
             Catch::StartsWith(path + ": job 1: output of 33 bytes"));
  // So is any other text of the record, which only a record made outside
  // the runtime can reach (the runtime bounds them).
  CHECK_THAT(with([](job& j) {
               j.errors.push_back(attempt_error{
                   1, job_error::transient("x", std::string(40, 'm')), {}});
             }),
             Catch::Contains("error entry of 41 bytes"));
  CHECK(stored_jobs(*store->reader()) == std::vector<job>{stored});
  CHECK(raw_query(path, "SELECT count(*) FROM job_errors") == "0");
}

} // namespace
