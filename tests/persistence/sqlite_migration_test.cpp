// A file written by schema 1 (the layout before the store owned the
// table) opened by this build: migrated in place to schema 2, every job
// and every error kept, and the store works on it as on a new file.
//
// The fixture, tests/persistence/fixtures/schema_v1.db, was written by the
// schema-1 store (whose commit took whole records and ids from the caller)
// with this generator, kept here for reference:
//
//   jobs 1..7: plain_job(id, "email") in the states pending, scheduled,
//     processing, retrying, completed, dead, cancelled;
//     processing, retrying and dead: attempt 1;
//     retrying and dead: one error {1, transient("http_503", "busy"),
//       at 1'700'000'001'000};
//     completed: output "ok", attempt 1, finished at 1'700'000'002'000;
//     dead and cancelled: finished at 1'700'000'002'000;
//     pending: unique key "order-1".
//   job 8: full_job(8) (dead "report" job, 3 errors, unique key
//     "report-2024-05", binary payload, empty output).
//   job 9: plain_job(9, "gone"), committed with the others and then
//     removed, so last_id is 9.

#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/scratch_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

using namespace jobrt;
using namespace jobrt::test;
namespace fs = std::filesystem;

/// The jobs the generator wrote, as schema 2 reads them.
std::vector<job> fixture_jobs() {
  std::vector<job> jobs;
  job_id id = 1;
  for (auto state : all_job_states) {
    auto j = plain_job(id++, "email");
    j.state = state;
    if (state == job_state::processing || state == job_state::retrying ||
        state == job_state::dead)
      j.attempt = 1;
    if (state == job_state::retrying || state == job_state::dead)
      j.errors = {attempt_error{1, job_error::transient("http_503", "busy"),
                                at_ms(1'700'000'001'000)}};
    if (state == job_state::completed) {
      j.output = "ok";
      j.attempt = 1;
    }
    if (is_terminal(state))
      j.finished_at = at_ms(1'700'000'002'000);
    if (state == job_state::pending)
      j.unique_key = "order-1";
    jobs.push_back(j);
  }
  jobs.push_back(full_job(8));
  return jobs;
}

/// A copy of the fixture in `dir`, to be migrated.
std::string v1_copy(const scratch_dir& dir) {
  auto path = dir.file("v1.db");
  fs::copy_file(fs::path(JOBRT_FIXTURES_DIR) / "schema_v1.db", path);
  return path;
}

/// A copy of the fixture, opened (and so migrated) by its owner.
struct migrated_copy {
  scratch_dir dir;
  std::string path = v1_copy(dir);
  std::unique_ptr<sqlite_store> store = open_store(path);
};

std::string schema_of(const std::string& path) {
  return raw_query(path, "SELECT group_concat(name || ':' || coalesce(sql, ''), "
                         "char(10)) FROM (SELECT * FROM sqlite_master "
                         "ORDER BY name)");
}

} // namespace

TEST_CASE("migration: the schema 1 fixture is what its generator wrote",
          "[sqlite_migration]") {
  scratch_dir dir;
  auto path = v1_copy(dir);
  CHECK(raw_query(path, "PRAGMA user_version") == "1");
  CHECK(raw_query(path, "SELECT count(*) FROM jobs") == "8");
  CHECK(raw_query(path, "SELECT value FROM jobrt_meta WHERE key = 'last_id'") ==
        "9");
  // A reader does not migrate: it asks for an owner first.
  auto reader = sqlite_store::open_reader(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == store_error::code_type::version);
  CHECK(reader.error().message ==
        path + " has schema 1; open it as its owner once to migrate it");
}

TEST_CASE("migration: opening a schema 1 file as owner brings it to schema "
          "2 and keeps every job and every error",
          "[sqlite_migration]") {
  migrated_copy copy;
  auto& path = copy.path;
  auto& store = copy.store;
  CHECK(raw_query(path, "PRAGMA user_version") == "2");

  auto jobs = stored_jobs(*store->reader());
  auto expected = fixture_jobs();
  REQUIRE(jobs.size() == expected.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    INFO("job " << expected[i].id);
    CHECK(jobs[i] == expected[i]);
  }
  CHECK(raw_query(path, "SELECT count(*) FROM job_errors") == "5");
  CHECK(raw_query(path, "SELECT group_concat(id || '=' || error_count) FROM "
                        "jobs WHERE error_count > 0") == "4=1,6=1,8=3");
  // The processing job has no owner: any runtime rescues it.
  auto running = jobs[2];
  CHECK(running.state == job_state::processing);
  CHECK(running.owner.empty());
  CHECK_FALSE(running.lease_until);
  store_batch rescue;
  rescue.rescue = rescue_request{"runtime-a", at_ms(1'700'000'000'000), 10};
  CHECK(ids_of(commit(*store, std::move(rescue)).rescued) ==
        std::vector<job_id>{3});

  // The old index is gone; the new ones are there.
  auto schema = schema_of(path);
  CHECK_THAT(schema, !Catch::Contains("jobs_by_state"));
  for (const char* index : {"jobs_ready", "jobs_waiting", "jobs_finished",
                            "jobs_processing", "jobs_live_unique_key"})
    CHECK_THAT(schema, Catch::Contains(index));
  // And the operators' commands, none posted yet.
  CHECK_THAT(schema, Catch::Contains("job_commands"));
  CHECK(raw_query(path, "SELECT count(*) FROM job_commands") == "0");
}

TEST_CASE("migration: the migrated store goes on from last_id and keeps its "
          "unique keys",
          "[sqlite_migration]") {
  migrated_copy copy;
  auto& store = copy.store;
  CHECK(insert(*store, {plain_job(1)}) == std::vector<job_id>{10});

  auto duplicate = plain_job(1);
  duplicate.unique_key = "order-1"; // held by the pending job 1
  auto receipt = commit(*store, inserting({duplicate}));
  REQUIRE(receipt.inserted.size() == 1);
  CHECK(receipt.inserted[0].id == 1);
  CHECK(receipt.inserted[0].existing);

  auto again = full_job(1);
  again.state = job_state::pending; // job 8 is dead: its key is free
  CHECK(insert(*store, {again}) == std::vector<job_id>{11});
}

TEST_CASE("migration: a second open of a migrated file changes nothing",
          "[sqlite_migration]") {
  scratch_dir dir;
  auto path = v1_copy(dir);
  { open_store(path); }
  auto schema = schema_of(path);
  auto version = raw_query(path, "PRAGMA schema_version");
  { open_store(path); }
  CHECK(raw_query(path, "PRAGMA user_version") == "2");
  CHECK(raw_query(path, "PRAGMA schema_version") == version);
  CHECK(schema_of(path) == schema);
  auto reader = sqlite_store::open_reader(path);
  REQUIRE(reader);
  CHECK(stored_jobs(*reader.value()) == fixture_jobs());
}
