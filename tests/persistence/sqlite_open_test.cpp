// Opening a SQLite store where there is none, or where nothing may be
// written: a tool that must not create a store (create_if_missing = false)
// refuses a missing path, an empty file and a bare SQLite file and leaves
// them as they were; a failed open removes the file it created; a reader
// works on read-only media (a read-only directory, where SQLite cannot
// create the -wal and -shm files) and never shows a store without the
// transactions its -wal holds.

#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/read_only_dir.hpp"
#include "persistence/scratch_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace {

using namespace jobrt;
using namespace jobrt::test;
using code = store_error::code_type;
namespace fs = std::filesystem;

sqlite_options existing_only() {
  sqlite_options options;
  options.create_if_missing = false;
  return options;
}

void write_jobs(const std::string& path, std::vector<job> jobs) {
  auto store = open_store(path);
  insert(*store, std::move(jobs));
}

std::vector<job> read_jobs(const std::string& path) {
  auto reader = sqlite_store::open_reader(path);
  if (!reader)
    FAIL("open_reader " << path << ": " << reader.error().message);
  return stored_jobs(*reader.value());
}

} // namespace

TEST_CASE("existing only: a missing path is refused and not created",
          "[sqlite_open]") {
  scratch_dir dir;
  auto path = dir.file("mistyped.db");
  auto owner = sqlite_store::open(path, existing_only());
  REQUIRE_FALSE(owner);
  CHECK(owner.error().code == code::io);
  CHECK(owner.error().message ==
        path + " does not exist (no jobrt store there)");
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("existing only: an empty file is refused and stays empty",
          "[sqlite_open]") {
  scratch_dir dir;
  auto path = dir.file("empty.db");
  std::ofstream{path};
  auto owner = sqlite_store::open(path, existing_only());
  REQUIRE_FALSE(owner);
  CHECK(owner.error().code == code::corrupt);
  CHECK(owner.error().message ==
        path + " is not a jobrt store (the file is empty)");
  CHECK(fs::file_size(path) == 0);
  CHECK_FALSE(fs::exists(path + "-wal"));

  auto reader = sqlite_store::open_reader(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().message == owner.error().message);
}

TEST_CASE("existing only: a SQLite file without jobrt's tables is refused "
          "and left unchanged",
          "[sqlite_open]") {
  scratch_dir dir;
  auto path = dir.file("bare.db");
  REQUIRE(raw_exec(path, "CREATE TABLE t(x); DROP TABLE t;") == SQLITE_OK);
  auto before = file_bytes(path);
  REQUIRE_FALSE(before.empty());

  auto owner = sqlite_store::open(path, existing_only());
  REQUIRE_FALSE(owner);
  CHECK(owner.error().code == code::corrupt);
  CHECK_THAT(owner.error().message, Catch::Contains("not a jobrt store"));
  bool unchanged = file_bytes(path) == before;
  CHECK(unchanged);
  CHECK(raw_query(path, "PRAGMA journal_mode") == "delete");
}

TEST_CASE("existing only: an existing store opens as usual, and by default a "
          "missing one is created",
          "[sqlite_open]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  write_jobs(path, {plain_job(1), plain_job(2)}); // the default creates it
  auto owner = sqlite_store::open(path, existing_only());
  REQUIRE(owner);
  CHECK(stored_jobs(*owner.value()->reader()).size() == 2);
}

TEST_CASE("a failed open removes the file it created, and only that one",
          "[sqlite_open]") {
  scratch_dir dir;
  sqlite_options too_small;
  too_small.max_page_count = 1; // the schema needs more: the migration fails

  auto fresh = dir.file("fresh.db");
  auto failed = sqlite_store::open(fresh, too_small);
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().message, Catch::Contains("full"));
  CHECK_FALSE(fs::exists(fresh));
  CHECK_FALSE(fs::exists(fresh + "-wal"));
  CHECK_FALSE(fs::exists(fresh + "-shm"));

  auto someone_elses = dir.file("placeholder.db"); // empty, but not ours
  std::ofstream{someone_elses};
  REQUIRE_FALSE(sqlite_store::open(someone_elses, too_small));
  CHECK(fs::exists(someone_elses));
}

TEST_CASE("read-only directory: a reader reads a closed store there, "
          "creating nothing",
          "[sqlite_open]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  write_jobs(path, {plain_job(1), full_job(2)});
  REQUIRE_FALSE(fs::exists(path + "-wal")); // a clean close removes both
  read_only_dir guard{dir.path()};
  if (!guard.ok()) {
    WARN("skipped: cannot make a directory read-only here");
    return;
  }

  auto reader = sqlite_store::open_reader(path);
  REQUIRE(reader);
  CHECK(stored_jobs(*reader.value()) ==
        std::vector<job>{plain_job(1), full_job(2)});
  auto counts = reader.value()->count_by_state();
  REQUIRE(counts);
  CHECK(counts.value()[static_cast<std::size_t>(job_state::dead)] == 1);
  auto found = reader.value()->find(2);
  REQUIRE(found);
  CHECK(found.value() == full_job(2));
  auto page = reader.value()->list(job_query{});
  REQUIRE(page);
  CHECK(page.value().jobs.size() == 2);
  CHECK_FALSE(fs::exists(path + "-wal"));
  CHECK_FALSE(fs::exists(path + "-shm"));
}

TEST_CASE("read-only directory: a reader sees what a running owner "
          "committed to its WAL",
          "[sqlite_open]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  auto owner = open_store(path);
  insert(*owner, {plain_job(1), plain_job(2), plain_job(3)});
  REQUIRE(fs::file_size(path + "-wal") > 0); // not checkpointed yet
  read_only_dir guard{dir.path()};
  if (!guard.ok()) {
    WARN("skipped: cannot make a directory read-only here");
    return;
  }
  CHECK(read_jobs(path).size() == 3);
}

TEST_CASE("read-only directory: a -wal with transactions but no -shm is "
          "refused, not read without them",
          "[sqlite_open]") {
  scratch_dir live;
  auto path = live.file("jobs.db");
  auto owner = open_store(path);
  insert(*owner, {plain_job(1)});
  REQUIRE(fs::file_size(path + "-wal") > 0);

  scratch_dir snapshot_dir; // a copy of the files, as a careless backup has
  auto copy = snapshot_dir.file("jobs.db");
  fs::copy_file(path, copy);
  fs::copy_file(path + "-wal", copy + "-wal");
  read_only_dir guard{snapshot_dir.path()};
  if (!guard.ok()) {
    WARN("skipped: cannot make a directory read-only here");
    return;
  }

  auto reader = sqlite_store::open_reader(copy);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == code::io);
  CHECK(reader.error().message ==
        copy + ": cannot read " + copy +
            "-wal without its -shm file in a read-only directory; copy the "
            "store's files to a writable directory");
}
