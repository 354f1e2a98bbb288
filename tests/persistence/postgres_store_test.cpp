// What the PostgreSQL store does beyond the contract every store keeps
// (store_conformance_test.cpp): migration by one of many processes, nodes,
// leases and the leader, the SQL enqueue, wake-ups, and its typed errors.
// Against a real server (postgres_server.hpp).

#include "jobrt/actors/transitions.hpp"
#include "jobrt/persistence/postgres_schema.hpp"
#include "jobrt/persistence/postgres_store.hpp"

#include "eventually.hpp"
#include "persistence/postgres_server.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace jobrt;
using namespace jobrt::test;
using namespace std::chrono_literals;

std::unique_ptr<postgres_store> open_node(const postgres_scratch& db,
                                          postgres_options options = {}) {
  options.schema = db.schema();
  auto store = postgres_store::open(db.uri(), options);
  if (!store)
    FAIL("open: " << describe(store.error()));
  return std::move(store).value();
}

claim_request claim_all(const std::string& owner, std::string type = "email") {
  claim_request r;
  r.owner = owner;
  r.now = wall_clock_now();
  r.types = {{std::move(type), 100, false}};
  r.pool_slots = 100;
  r.total = 100;
  return r;
}

std::vector<job> claimed(job_store& store, claim_request r) {
  store_batch batch;
  batch.claims.push_back(std::move(r));
  return commit(store, std::move(batch)).claimed.at(0).jobs;
}

job ready_job(std::string type = "email") {
  auto j = plain_job(0, std::move(type));
  j.run_at = wall_clock_now() - 1s;
  return j;
}

TEST_CASE("postgres: of several processes starting on a new schema at once, "
          "exactly one migrates it",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  postgres_scratch db{uri};
  constexpr int processes = 4;
  std::vector<pid_t> children;
  for (int i = 0; i < processes; ++i) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // The child: migrate, and say whether it created the schema (the
      // version it found was 0) or found it current.
      auto c = postgres_connection::open(uri);
      if (!c)
        ::_exit(1);
      auto found = postgres_migrate(c.value(), db.schema());
      ::_exit(!found ? 1 : found.value() == 0 ? 10 : 11);
    }
    children.push_back(pid);
  }
  int created = 0, found_current = 0;
  for (auto pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    created += WEXITSTATUS(status) == 10;
    found_current += WEXITSTATUS(status) == 11;
  }
  CHECK(created == 1);
  CHECK(found_current == processes - 1);
  CHECK(postgres_query(uri, "SELECT value FROM " + db.schema() +
                                ".meta WHERE key = 'schema_version'") ==
        std::to_string(postgres_schema_version));
}

TEST_CASE("postgres: a node not heard from within its window is dead: "
          "another takes the leadership over, rescues its jobs, and the "
          "dead node's late write is refused as lost_lease",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  postgres_scratch db{uri};
  postgres_options silent;
  silent.heartbeat = std::chrono::hours(1); // beats once, at open
  silent.dead_after = 300ms;
  auto a = open_node(db, silent);
  CHECK(a->leader());

  postgres_options live;
  live.heartbeat = 20ms;
  live.dead_after = 300ms;
  auto b = open_node(db, live);
  CHECK_FALSE(b->leader()); // a's lease still holds

  auto id = insert(*a, {ready_job()}).at(0);
  auto running = claimed(*a, claim_all(*a->node()));
  REQUIRE(running.size() == 1);
  CHECK(running[0].owner == *a->node());

  auto started = std::chrono::steady_clock::now();
  REQUIRE(eventually([&] { return b->leader(); }));
  std::vector<job> rescued;
  REQUIRE(eventually([&] {
    store_batch batch;
    batch.rescue = rescue_request{*b->node(), wall_clock_now(), 100};
    rescued = commit(*b, std::move(batch)).rescued;
    return !rescued.empty();
  }));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < 5s);
  REQUIRE(rescued.size() == 1);
  CHECK(rescued[0].id == id);

  // b decides the rescue (a failed attempt, retried) and writes it, fenced
  // on a's claim.
  auto retried = apply_event(rescued[0],
                             events::failure{1, job_error::abandoned("gone"), 1s},
                             wall_clock_now());
  REQUIRE(retried);
  CHECK(commit(*b, writing(retried.value(), rescued[0])).refused.empty());

  // a wakes up and reports its attempt done: refused, never written.
  auto done = apply_event(running[0], events::success{1, std::nullopt},
                          wall_clock_now());
  REQUIRE(done);
  auto refused = commit(*a, writing(done.value(), running[0])).refused;
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == write_refusal::code_type::lost_lease);
  REQUIRE(refused[0].found);
  CHECK(refused[0].found->state == job_state::retrying);
  CHECK(stored_job(*b->reader(), id)->state == job_state::retrying);

  // A live node's jobs are never rescued.
  auto other = insert(*b, {ready_job()}).at(0);
  REQUIRE(claimed(*b, claim_all(*b->node())).size() == 1);
  store_batch again;
  again.rescue = rescue_request{*b->node(), wall_clock_now(), 100};
  CHECK(commit(*b, std::move(again)).rescued.empty());
  CHECK(stored_job(*b->reader(), other)->state == job_state::processing);
}

TEST_CASE("postgres: a node that closes leaves at once: the leadership "
          "passes and its rows are rescuable without waiting out its window",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  postgres_scratch db{uri};
  postgres_options o;
  o.heartbeat = 20ms;
  o.dead_after = std::chrono::hours(1);
  auto a = open_node(db, o);
  auto b = open_node(db, o);
  CHECK(a->leader());
  insert(*a, {ready_job()});
  REQUIRE(claimed(*a, claim_all(*a->node())).size() == 1);
  a.reset();
  REQUIRE(eventually([&] { return b->leader(); }));
  store_batch batch;
  batch.rescue = rescue_request{*b->node(), wall_clock_now(), 100};
  CHECK(commit(*b, std::move(batch)).rescued.size() == 1);
}

TEST_CASE("postgres: the SQL enqueue writes what make_job writes, and only "
          "if the caller's transaction commits",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  postgres_scratch db{uri};
  auto store = open_node(db);
  const auto& s = db.schema();

  // Rolled back with the caller's transaction: no job.
  postgres_query(uri, "BEGIN; SELECT " + s + ".enqueue('email', 'x'); ROLLBACK");
  CHECK(stored_jobs(*store->reader()).empty());

  auto id = std::stoll(postgres_query(
      uri, "SELECT " + s + ".enqueue('email', '{\"to\":\"a@b.c\"}', "
               "priority => 3, unique_key => 'order-1')"));
  auto stored = stored_job(*store->reader(), id);
  REQUIRE(stored);
  job_spec spec;
  spec.type = "email";
  spec.payload = R"({"to":"a@b.c"})";
  spec.priority = 3;
  spec.unique_key = "order-1";
  spec.run_at = stored->run_at;
  auto expected = make_job(spec, id, job_defaults{}, stored->created_at);
  CHECK(*stored == expected);
  CHECK(stored->state == job_state::pending);

  // The unique key of a live job returns that job.
  CHECK(postgres_query(uri, "SELECT " + s + ".enqueue('email', 'y', "
                                "unique_key => 'order-1')") ==
        std::to_string(id));
  // Ahead: scheduled.
  auto later = std::stoll(postgres_query(
      uri, "SELECT " + s + ".enqueue('email', run_at => now() + interval '1 hour')"));
  CHECK(stored_job(*store->reader(), later)->state == job_state::scheduled);
  // Bad input is the caller's error, with what is wrong.
  CHECK_THAT(postgres_query(uri, "SELECT " + s + ".enqueue('email', priority => 12)"),
             Catch::Contains("priority 12 out of range 0-9"));

  // And a node claims it like any other.
  CHECK(ids_of(claimed(*store, claim_all(*store->node()))) ==
        std::vector<job_id>{id});
}

TEST_CASE("postgres: a commit that makes jobs ready wakes the other nodes",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  postgres_scratch db{uri};
  auto a = open_node(db);
  auto b = open_node(db);
  std::atomic<int> woken_a{0}, woken_b{0};
  a->on_wake([&] { ++woken_a; });
  b->on_wake([&] { ++woken_b; });
  std::vector<job> many(100, ready_job());
  insert(*a, many);
  REQUIRE(eventually([&] { return woken_b.load() > 0; }));
  CHECK(woken_b.load() <= 2); // one NOTIFY per commit, not per job
  // b's own commit wakes a; a was not woken by its own.
  CHECK(woken_a.load() == 0);
  insert(*b, {ready_job()});
  REQUIRE(eventually([&] { return woken_a.load() > 0; }));
  a->on_wake({});
  b->on_wake({});
}

TEST_CASE("postgres: failures are typed errors that name the cause",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  using code = store_error::code_type;

  SECTION("no server") {
    auto store = postgres_store::open("postgresql://jobrt@127.0.0.1:1/postgres");
    REQUIRE_FALSE(store);
    CHECK(store.error().code == code::io);
    CHECK_THAT(store.error().message, Catch::Contains("cannot connect"));
  }
  SECTION("a schema name that is not a plain identifier") {
    postgres_options o;
    o.schema = "jobs; DROP TABLE x";
    auto store = postgres_store::open(uri, o);
    REQUIRE_FALSE(store);
    CHECK_THAT(store.error().message, Catch::Contains("may hold only"));
  }
  SECTION("a tool on a database without the schema") {
    postgres_scratch db{uri};
    auto o = db.options();
    o.role = postgres_options::role_type::tool;
    o.create_if_missing = false;
    auto store = postgres_store::open(uri, o);
    REQUIRE_FALSE(store);
    CHECK(store.error().code == code::io);
    CHECK_THAT(store.error().message, Catch::Contains("no jobrt schema"));
  }
  SECTION("a schema written by a newer jobrt") {
    postgres_scratch db{uri};
    { auto first = open_node(db); }
    postgres_query(uri, "UPDATE " + db.schema() +
                            ".meta SET value = 99 WHERE key = 'schema_version'");
    auto store = postgres_store::open(uri, db.options());
    REQUIRE_FALSE(store);
    CHECK(store.error().code == code::version);
  }
  SECTION("a tool may not claim") {
    postgres_scratch db{uri};
    auto node = open_node(db);
    auto o = db.options();
    o.role = postgres_options::role_type::tool;
    auto tool = postgres_store::open(uri, o);
    REQUIRE(tool);
    CHECK_FALSE(tool.value()->node());
    store_batch batch;
    batch.claims.push_back(claim_all("x"));
    auto refused = tool.value()->commit(batch);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == code::not_owner);
    // Inserts are fine: the database assigns ids, whoever asks.
    CHECK(insert(*tool.value(), {ready_job()}).size() == 1);
  }
  SECTION("a dropped connection fails one commit; the next reconnects") {
    postgres_scratch db{uri};
    auto store = open_node(db);
    insert(*store, {ready_job()});
    postgres_query(uri, "SELECT pg_terminate_backend(pid) FROM "
                        "pg_stat_activity WHERE application_name = 'jobrt "
                        "writer " + db.schema() + "'");
    auto batch = inserting({ready_job()});
    auto lost = store->commit(batch);
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code == code::io);
    CHECK_THAT(lost.error().message, Catch::Contains("connection"));
    CHECK(insert(*store, {ready_job()}).size() == 1);
    CHECK(stored_jobs(*store->reader()).size() == 2); // the lost one is not
  }
  SECTION("a read-only server") {
    auto name = "jobrt_ro_" + std::to_string(::getpid());
    postgres_query(uri, "CREATE DATABASE " + name);
    postgres_query(uri, "ALTER DATABASE " + name +
                            " SET default_transaction_read_only = on");
    auto ro_uri = uri.substr(0, uri.rfind('/') + 1) + name;
    auto store = postgres_store::open(ro_uri);
    postgres_query(uri, "DROP DATABASE " + name + " WITH (FORCE)");
    REQUIRE_FALSE(store);
    CHECK(store.error().code == code::io);
    CHECK_THAT(store.error().message, Catch::Contains("read-only"));
  }
}

} // namespace
