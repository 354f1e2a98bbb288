// sqlite_store::open_operator: changes beside a running owner (jobctl while
// a runtime runs). Both sides write fenced, so whichever comes second is
// refused; the owner's verbs are refused to the operator whole; commands
// it posts wait in the file for the owner, across the owner's restarts;
// and it never creates, migrates or waits for the owner without bound.

#include "jobrt/actors/transitions.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/scratch_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace {

using namespace jobrt;
using namespace jobrt::test;
using namespace std::chrono_literals;
using code = store_error::code_type;
namespace fs = std::filesystem;

const time_point now = at_ms(1'700'000'100'000);

std::unique_ptr<sqlite_store> open_beside(const std::string& path,
                                          sqlite_options options = {}) {
  auto store = sqlite_store::open_operator(path, options);
  if (!store)
    FAIL("open_operator " << path << ": " << store.error().message);
  return std::move(store).value();
}

job after(const job& j, const job_event& event) {
  auto next = apply_event(j, event, now);
  REQUIRE(next);
  return next.value();
}

job stored(job_store& store, job_id id) {
  auto found = stored_job(*store.reader(), id);
  REQUIRE(found);
  return *found;
}

operator_command cancel_of(job_id id) {
  return operator_command{id, operator_command::kind_type::cancel, now};
}

std::vector<operator_command> take(job_store& store) {
  store_batch batch;
  batch.take_commands = true;
  return commit(store, std::move(batch)).commands;
}

/// A store file with its owner open, as while a runtime runs on it.
struct owned_file {
  scratch_dir dir;
  std::string path = dir.file("jobs.db");
  std::unique_ptr<sqlite_store> owner = open_store(path);
};

/// One pending job in an owned file, and an operator beside its owner.
struct one_job_beside_owner {
  explicit one_job_beside_owner(sqlite_options options = {})
    : op(open_beside(file.path, options)) {}

  owned_file file;
  job_id id = insert(*file.owner, {plain_job(1)}).at(0);
  std::unique_ptr<sqlite_store> op;
};

/// A finished job, done an hour before `now`.
job finished(job_state state) {
  auto j = plain_job(0);
  j.state = state;
  j.finished_at = now - 1h;
  return j;
}

} // namespace

TEST_CASE("operator: beside the owner, its fenced changes apply and the "
          "owner's stale writes are refused",
          "[sqlite_operator]") {
  owned_file file;
  auto& owner = file.owner;
  auto ids = insert(*owner, {plain_job(1), finished(job_state::dead),
                             finished(job_state::completed),
                             finished(job_state::completed)});
  auto op = open_beside(file.path);

  // The operator cancels job 1 while the owner holds it pending.
  auto held = stored(*owner, ids[0]);
  auto cancelled = after(held, events::cancel{});
  CHECK(commit(*op, writing(cancelled, held)).refused.empty());
  CHECK(stored(*owner, ids[0]) == cancelled);
  // The owner's dispatch, decided on the pending row, is refused.
  auto dispatched = after(held, events::dispatch{"runtime-a", std::nullopt});
  auto refused = commit(*owner, writing(dispatched, held)).refused;
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == write_refusal::code_type::state_changed);
  CHECK(stored(*owner, ids[0]) == cancelled);

  // And the other way round: the owner first, the operator refused.
  auto dead = stored(*op, ids[1]);
  auto requeued = after(dead, events::requeue{});
  CHECK(commit(*owner, writing(requeued, dead)).refused.empty());
  refused = commit(*op, writing(requeued, dead)).refused;
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == write_refusal::code_type::state_changed);

  // Removals and purge.
  CHECK(commit(*op, removing(stored(*op, ids[2]))).refused.empty());
  store_batch purge;
  purge.purge = purge_request{now, 0ms, {}, {}, 10};
  CHECK(commit(*op, std::move(purge)).purged == 1);
  CHECK_FALSE(stored_job(*owner->reader(), ids[2]));
  CHECK_FALSE(stored_job(*owner->reader(), ids[3]));

  // The owner goes on from its own last id.
  CHECK(insert(*owner, {plain_job(9)}) == std::vector<job_id>{5});
}

TEST_CASE("operator: a batch with one of the owner's verbs is refused whole "
          "as not_owner",
          "[sqlite_operator]") {
  one_job_beside_owner s;
  auto& [file, id, op] = s;
  auto& owner = file.owner;
  auto before = stored(*op, id);

  struct verb {
    const char* name;
    void (*add)(store_batch&);
  };
  for (auto [name, add] : {
           verb{"inserts", [](store_batch& b) { b.inserts = {plain_job(2)}; }},
           verb{"renewal",
                [](store_batch& b) { b.renewal = lease_renewal{"x", now}; }},
           verb{"rescue",
                [](store_batch& b) { b.rescue = rescue_request{"x", now, 1}; }},
           verb{"claims", [](store_batch& b) { b.claims.emplace_back(); }},
           verb{"stage", [](store_batch& b) { b.stage = stage_request{}; }},
           verb{"take_commands", [](store_batch& b) { b.take_commands = true; }},
       }) {
    INFO(name);
    // With a change the operator may make: it is not written either.
    auto batch = writing(after(before, events::cancel{}), before);
    batch.post_commands = {cancel_of(id)};
    add(batch);
    auto receipt = op->commit(batch);
    REQUIRE_FALSE(receipt);
    CHECK(receipt.error().code == code::not_owner);
    CHECK(receipt.error().message ==
          file.path + ": opened beside its owner, this store may not use the "
                 "owner's verb '" +
              std::string(name) + "'; nothing was written");
    CHECK(stored(*owner, id) == before);
  }
  CHECK(take(*owner).empty());
  CHECK(stored_jobs(*owner->reader()).size() == 1);
}

TEST_CASE("operator: posted commands wait in the file for the owner, also "
          "across its restarts",
          "[sqlite_operator]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  {
    auto owner = open_store(path);
    auto op = open_beside(path);
    store_batch batch;
    batch.post_commands = {cancel_of(4), cancel_of(2)};
    commit(*op, std::move(batch));
  }
  // Nobody owned the file in between: an operator may post still.
  {
    auto op = open_beside(path);
    store_batch batch;
    batch.post_commands = {cancel_of(3)};
    commit(*op, std::move(batch));
  }
  auto owner = open_store(path);
  CHECK(take(*owner) ==
        std::vector<operator_command>{cancel_of(4), cancel_of(2), cancel_of(3)});
  CHECK(raw_query(path, "SELECT count(*) FROM job_commands") == "0");
}

TEST_CASE("operator: no lock is taken, and the owner's lock stays as it is",
          "[sqlite_operator]") {
  scratch_dir dir;
  auto path = dir.file("jobs.db");
  { open_store(path); }
  auto op = open_beside(path);
  auto owner = sqlite_store::open(path); // an operator does not hold it
  REQUIRE(owner);
  auto second = sqlite_store::open(path);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == code::locked);
  auto another = sqlite_store::open_operator(path); // beside both
  CHECK(another);
}

TEST_CASE("operator: it opens only an existing store at this build's "
          "schema, and writes nothing else",
          "[sqlite_operator]") {
  scratch_dir dir;

  SECTION("a missing path is not created") {
    auto path = dir.file("mistyped.db");
    auto op = sqlite_store::open_operator(path);
    REQUIRE_FALSE(op);
    CHECK(op.error().code == code::io);
    CHECK(op.error().message == path + " does not exist (no jobrt store there)");
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("an empty file stays empty") {
    auto path = dir.file("empty.db");
    std::ofstream{path};
    auto op = sqlite_store::open_operator(path);
    REQUIRE_FALSE(op);
    CHECK(op.error().code == code::corrupt);
    CHECK(fs::file_size(path) == 0);
    CHECK_FALSE(fs::exists(path + "-wal"));
  }
  SECTION("a SQLite file without jobrt's tables is not one") {
    auto path = dir.file("other.db");
    REQUIRE(raw_exec(path, "CREATE TABLE t(x)") == SQLITE_OK);
    auto op = sqlite_store::open_operator(path);
    REQUIRE_FALSE(op);
    CHECK(op.error().code == code::corrupt);
  }
  SECTION("schema 1 is not migrated: its owner must do that") {
    auto path = dir.file("v1.db");
    fs::copy_file(fs::path(JOBRT_FIXTURES_DIR) / "schema_v1.db", path);
    auto bytes = file_bytes(path);
    auto op = sqlite_store::open_operator(path);
    REQUIRE_FALSE(op);
    CHECK(op.error().code == code::version);
    CHECK(op.error().message ==
          path + " has schema 1; the runtime that holds it must migrate it "
                 "first (a runtime of this version does so when it starts)");
    CHECK(file_bytes(path) == bytes);
    CHECK(raw_query(path, "PRAGMA user_version") == "1");
  }
  SECTION("a newer schema is refused") {
    auto path = dir.file("newer.db");
    { open_store(path); }
    REQUIRE(raw_exec(path, "PRAGMA user_version = " +
                               std::to_string(sqlite_schema_version + 1)) ==
            SQLITE_OK);
    auto op = sqlite_store::open_operator(path);
    REQUIRE_FALSE(op);
    CHECK(op.error().code == code::version);
    CHECK_THAT(op.error().message, Catch::Contains("newer jobrt"));
  }
}

TEST_CASE("operator: a commit waits busy_timeout for another writer's "
          "transaction, then fails as locked with nothing written",
          "[sqlite_operator]") {
  sqlite_options patience;
  patience.busy_timeout = 50ms;
  one_job_beside_owner s{patience};
  auto& [file, id, op] = s;
  auto& owner = file.owner;
  auto before = stored(*op, id);
  auto cancel = [&] { return writing(after(before, events::cancel{}), before); };
  {
    // As an owner's long commit would.
    held_write_lock writer{file.path};
    auto batch = cancel();
    auto busy = op->commit(batch);
    REQUIRE_FALSE(busy);
    CHECK(busy.error().code == code::locked);
  }
  CHECK(stored(*owner, id) == before);

  // Once the writer is gone, the same change goes through.
  CHECK(commit(*op, cancel()).refused.empty());
  CHECK(stored(*owner, id).state == job_state::cancelled);
}
