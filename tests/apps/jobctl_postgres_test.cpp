// jobctl on PostgreSQL from the outside: each test fills a scratch schema
// through a node's postgres_store (which stays open, as a running node
// would), runs the built binary with --db URI --schema NAME, and checks its
// output, its exit code and the database afterwards. Without a server
// (JOBRT_TEST_POSTGRES) every case is skipped with a message.

#include "apps/jobctl_run.hpp"
#include "persistence/postgres_server.hpp"

#include "jobrt/actors/transitions.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace jobrt;
using namespace std::chrono_literals;
using test::parse_output;
using test::postgres_scratch;
using test::run_result;
using test::scratch_dir;
using test::shell_word;

job step(const job& j, const job_event& e, time_point at) {
  auto next = apply_event(j, e, at);
  REQUIRE(next);
  return next.value();
}

job new_job(const std::string& type, time_point at) {
  job_spec spec;
  spec.type = type;
  spec.payload = R"({"to":"ops@example.com"})";
  return make_job(spec, 0, job_defaults{3, 30s}, at);
}

job dead_job(time_point at) {
  auto running = step(new_job("webhook", at), events::dispatch{}, at);
  return step(running,
              events::failure{1, job_error::permanent("gone", "410 gone"),
                              std::nullopt},
              at);
}

/// A node (a runtime's store) on a scratch schema, open for the whole test,
/// and jobctl on the same schema beside it.
class node_fixture {
public:
  explicit node_fixture(const std::string& uri) : scratch(uri) {
    auto opened = postgres_store::open(uri, scratch.options());
    if (!opened)
      FAIL("cannot open the PostgreSQL store: " << opened.error().message);
    node = std::move(opened).value();
  }

  /// Inserts `jobs` in one commit; their ids, in order.
  std::vector<job_id> insert(std::vector<job> jobs) {
    store_batch batch;
    batch.inserts = std::move(jobs);
    auto receipt = node->commit(batch);
    REQUIRE(receipt);
    std::vector<job_id> ids;
    for (const auto& i : receipt.value().inserted) {
      REQUIRE_FALSE(i.refused);
      ids.push_back(i.id);
    }
    return ids;
  }

  /// A job this node runs now, as a runtime's dispatch leaves it.
  job_id insert_running(time_point at) {
    auto running = step(new_job("email", at),
                        events::dispatch{*node->node(), at + 1h}, at);
    return insert({running}).front();
  }

  std::optional<job> stored(job_id id) {
    auto found = node->reader()->find(id);
    REQUIRE(found);
    return found.value();
  }

  run_result jobctl(const std::string& args) {
    return test::run_jobctl(dir, "--db " + shell_word(scratch.uri()) +
                                     " --schema " + scratch.schema() + " " +
                                     args);
  }
  nlohmann::json jobctl_json(const std::string& args) {
    return parse_output(jobctl("--json " + args));
  }

  scratch_dir dir;
  postgres_scratch scratch; // outlives the node
  std::unique_ptr<postgres_store> node;
};

std::string id_arg(job_id id) { return std::to_string(id); }

} // namespace

TEST_CASE("postgres: stats, list and show read the jobs nodes share",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  node_fixture f{uri};
  auto now = wall_clock_now();
  auto ids = f.insert({new_job("email", now), new_job("report", now),
                       dead_job(now)});
  auto running = f.insert_running(now);

  auto stats = f.jobctl_json("stats");
  CHECK(stats.at("pending") == 2);
  CHECK(stats.at("processing") == 1);
  CHECK(stats.at("dead") == 1);
  CHECK(stats.at("completed") == 0);
  auto text = f.jobctl("stats");
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("pending") && Catch::Contains("dead"));

  auto page = f.jobctl_json("list --state pending");
  REQUIRE(page.at("jobs").size() == 2);
  CHECK(page.at("jobs")[0].at("id") == ids[0]);
  CHECK(page.at("jobs")[1].at("type") == "report");
  CHECK(f.jobctl_json("list --type webhook").at("jobs").size() == 1);

  auto shown = f.jobctl_json("show " + id_arg(running));
  CHECK(shown.at("state") == "processing");
  auto dead = f.jobctl("show " + id_arg(ids[2]));
  CHECK(dead.exit_code == 0);
  CHECK_THAT(dead.out, Catch::Contains("410 gone"));
  auto missing = f.jobctl("show 999999");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("no job with id 999999"));
}

TEST_CASE("postgres: requeue and purge of dead jobs while a node runs",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  node_fixture f{uri};
  auto now = wall_clock_now();
  auto ids = f.insert({dead_job(now - 24h * 10), dead_job(now - 1h),
                       dead_job(now - 1h)});

  auto requeued = f.jobctl_json("requeue " + id_arg(ids[2]));
  CHECK(requeued.at("state") == "pending");
  CHECK(requeued.at("attempt") == 0);
  REQUIRE(f.stored(ids[2]));
  CHECK(f.stored(ids[2])->state == job_state::pending);
  // A pending job is no requeue's: refused by the state machine.
  auto again = f.jobctl("--json requeue " + id_arg(ids[2]));
  CHECK(again.exit_code == 2);

  auto purged = f.jobctl_json("purge --state dead --older-than 7d");
  CHECK(purged.at("purged") == 1);
  CHECK_FALSE(f.stored(ids[0]));
  CHECK(f.stored(ids[1]));
  CHECK(f.jobctl_json("purge --state dead").at("purged") == 1);
  CHECK_FALSE(f.stored(ids[1]));
  CHECK(f.stored(ids[2])); // pending: no purge's
  auto live = f.jobctl("purge --state pending");
  CHECK(live.exit_code == 2);
}

TEST_CASE("postgres: cancel of a running job posts a command its node "
          "takes, and cancel of a waiting one is a fenced write",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  node_fixture f{uri};
  auto now = wall_clock_now();
  auto running = f.insert_running(now);
  auto waiting = f.insert({new_job("email", now)}).front();

  auto requested = f.jobctl_json("cancel " + id_arg(running));
  CHECK(requested.at("id") == running);
  CHECK(requested.at("state") == "processing");
  CHECK(requested.at("cancel") == "requested");
  // The write is the node's own, at its next poll: the row is untouched.
  CHECK(f.stored(running)->state == job_state::processing);
  store_batch take;
  take.take_commands = true;
  auto taken = f.node->commit(take);
  REQUIRE(taken);
  REQUIRE(taken.value().commands.size() == 1);
  CHECK(taken.value().commands[0].id == running);
  CHECK(taken.value().commands[0].kind == operator_command::kind_type::cancel);

  auto cancelled = f.jobctl_json("cancel " + id_arg(waiting));
  CHECK(cancelled.at("state") == "cancelled");
  CHECK(f.stored(waiting)->state == job_state::cancelled);
  auto twice = f.jobctl("--json cancel " + id_arg(waiting));
  CHECK(twice.exit_code == 2);
  CHECK(nlohmann::json::parse(twice.out).at("error").at("code") ==
        "invalid_transition");
}

TEST_CASE("postgres: nodes lists the open node as alive and leader",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  node_fixture f{uri};
  auto owner = *f.node->node();

  auto doc = f.jobctl_json("nodes");
  REQUIRE(doc.at("nodes").size() == 1);
  const auto& n = doc.at("nodes")[0];
  CHECK(n.at("owner") == owner);
  CHECK(n.at("pid") == static_cast<std::int64_t>(::getpid()));
  CHECK(n.at("alive") == true);
  CHECK(n.at("leader") == true);
  CHECK(n.at("heartbeat_age_ms").get<std::int64_t>() < 10'000);
  CHECK(n.at("dead_after_ms") == 5000);

  auto text = f.jobctl("nodes");
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("owner") && Catch::Contains(owner) &&
                           Catch::Contains("alive") &&
                           Catch::Contains("leader"));

  // A node that closed has left: none is listed.
  f.node.reset();
  CHECK(f.jobctl_json("nodes").at("nodes").empty());
  CHECK(f.jobctl("nodes").out == "no nodes\n");
}

TEST_CASE("postgres: bad input is a clear error with jobctl's exit codes",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  scratch_dir dir;
  auto run = [&dir](const std::string& args) {
    return test::run_jobctl(dir, args);
  };

  SECTION("a schema that holds no queue is a store failure, never created") {
    postgres_scratch absent{uri};
    auto r = run("--db " + shell_word(uri) + " --schema " + absent.schema() +
                 " --json requeue 1");
    CHECK(r.exit_code == 3);
    auto doc = nlohmann::json::parse(r.out);
    CHECK_THAT(doc.at("error").at("message").get<std::string>(),
               Catch::Contains("no jobrt schema '" + absent.schema() + "'"));
    CHECK(test::postgres_query(uri, "SELECT count(*) FROM pg_namespace WHERE "
                                    "nspname = '" + absent.schema() + "'") ==
          "0");
    auto text = run("--db " + shell_word(uri) + " --schema " +
                    absent.schema() + " stats");
    CHECK(text.exit_code == 3);
    CHECK_THAT(text.err, Catch::StartsWith("jobctl: ") &&
                             Catch::Contains("no jobrt schema"));
  }
  SECTION("a schema name the store refuses") {
    auto r = run("--db " + shell_word(uri) + " --schema 'Bad-Name' list");
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("schema name 'Bad-Name'"));
  }
  SECTION("a server that is not there") {
    auto r = run("--db postgresql://jobrt@127.0.0.1:1/postgres stats");
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("cannot connect"));
  }
  SECTION("a URI libpq cannot read") {
    auto r = run("--db 'postgresql://%zz' --json nodes");
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.out, Catch::Contains("\"error\"") &&
                          Catch::Contains("percent-encoded"));
  }
  SECTION("nodes of a SQLite file: refused, nodes are PostgreSQL's") {
    auto r = run("--db " + shell_word(dir.file("jobs.db")) + " --json nodes");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("not_postgres"));
  }
  SECTION("--schema without a name is a usage error") {
    CHECK(run("--db " + shell_word(uri) + " stats --schema").exit_code == 1);
  }
}
