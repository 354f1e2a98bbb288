// jobctl from the outside: each test writes a real SQLite store in a scratch
// directory, runs the built binary (JOBCTL_PATH) and checks its output, its
// exit code and, for changing commands, the file afterwards.

#include "jobrt/actors/transitions.hpp"
#include "jobrt/messages/job_json.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include "apps/jobctl_run.hpp"
#include "persistence/all_jobs.hpp"
#include "persistence/read_only_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace jobrt;
using namespace std::chrono_literals;
using test::db;
using test::parse_output;
using test::run_jobctl;
using test::scratch_dir;
namespace fs = std::filesystem;

// -- building jobs through the real state machine ----------------------------

job step(const job& j, const job_event& e, time_point at) {
  auto next = apply_event(j, e, at);
  REQUIRE(next);
  return next.value();
}

job new_job(job_id id, const std::string& type, const std::string& queue,
            time_point at) {
  job_spec spec;
  spec.type = type;
  spec.queue = queue;
  spec.payload = R"({"to":"ops@example.com"})";
  return make_job(spec, id, job_defaults{3, 30s}, at);
}

job scheduled_job(job_id id, time_point at) {
  job_spec spec;
  spec.type = "report";
  spec.run_at = at + 1h;
  return make_job(spec, id, job_defaults{3, 30s}, at);
}

job processing_job(job_id id, time_point at) {
  return step(new_job(id, "email", "default", at), events::dispatch{}, at);
}

job retrying_job(job_id id, time_point at) {
  return step(processing_job(id, at),
              events::failure{1, job_error::transient("smtp_busy", "421 busy"),
                              10s},
              at);
}

job completed_job(job_id id, time_point at) {
  auto running = step(new_job(id, "report", "default", at), events::dispatch{}, at);
  return step(running, events::success{1, "done"}, at);
}

/// Two failed attempts: a transient one, then a permanent one.
job dead_job(job_id id, const std::string& type, const std::string& queue,
             time_point at) {
  auto first = step(new_job(id, type, queue, at), events::dispatch{}, at);
  auto retrying = step(
      first,
      events::failure{1, job_error::transient("smtp_busy", "421 busy"), 0s},
      at);
  auto second = step(step(retrying, events::due{}, at), events::dispatch{}, at);
  return step(second,
              events::failure{2,
                              job_error::permanent("bad_address",
                                                   "no such mailbox"),
                              std::nullopt},
              at);
}

job cancelled_job(job_id id, time_point at) {
  return step(new_job(id, "email", "default", at), events::cancel{}, at);
}

// Ten jobs. Counts: pending 2, scheduled 1, processing 1, retrying 1,
// completed 2, dead 2, cancelled 1. Jobs 6 and 8 finished ten days ago, the
// other finished ones an hour ago.
std::vector<job> sample_jobs() {
  auto now = wall_clock_now();
  auto old = now - std::chrono::hours(24 * 10);
  auto recent = now - 1h;
  return {
      new_job(1, "email", "default", recent),
      new_job(2, "email", "mail", recent),
      scheduled_job(3, recent),
      processing_job(4, recent),
      retrying_job(5, recent),
      completed_job(6, old),
      completed_job(7, recent),
      dead_job(8, "email", "default", old),
      cancelled_job(9, recent),
      dead_job(10, "webhook", "hooks", recent),
  };
}

/// A store file holding `jobs`, written by an owner that is gone again.
/// They are inserted in order, so their ids must count from 1.
std::string write_store(const scratch_dir& dir, std::vector<job> jobs) {
  auto path = (dir.path() / "jobs.db").string();
  auto owner = sqlite_store::open(path);
  REQUIRE(owner);
  store_batch batch;
  batch.inserts = jobs;
  auto receipt = owner.value()->commit(batch);
  REQUIRE(receipt);
  REQUIRE(receipt.value().inserted.size() == jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i)
    REQUIRE(receipt.value().inserted[i].id == jobs[i].id);
  return path;
}

std::unique_ptr<sqlite_reader> reader(const std::string& path) {
  auto store = sqlite_store::open_reader(path);
  REQUIRE(store);
  return std::move(store).value();
}

/// Every job of a store's reader.
std::vector<job> every_job(job_reader& r) {
  auto jobs = test::all_jobs(r);
  REQUIRE(jobs);
  return std::move(jobs).value();
}

job stored_job(const std::string& path, job_id id) {
  auto found = reader(path)->find(id);
  REQUIRE(found);
  REQUIRE(found.value());
  return *found.value();
}

bool exists(const std::string& path, job_id id) {
  auto found = reader(path)->find(id);
  REQUIRE(found);
  return found.value().has_value();
}

std::vector<job_id> ids_of(const nlohmann::json& page) {
  std::vector<job_id> ids;
  for (const auto& j : page.at("jobs"))
    ids.push_back(j.at("id").get<job_id>());
  return ids;
}

} // namespace

TEST_CASE("stats --json names every state with its count") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());

  auto doc = parse_output(run_jobctl(dir, db(path) + " --json stats"));
  std::set<std::string> keys;
  for (const auto& [key, value] : doc.items())
    keys.insert(key);
  std::set<std::string> names;
  for (auto s : all_job_states)
    names.insert(std::string(to_string(s)));
  CHECK(keys == names);
  CHECK(doc == nlohmann::json{{"pending", 2},   {"scheduled", 1},
                              {"processing", 1}, {"retrying", 1},
                              {"completed", 2},  {"dead", 2},
                              {"cancelled", 1}});

  SECTION("--json may follow the command, and --db too") {
    CHECK(parse_output(run_jobctl(dir, "stats --json " + db(path))) == doc);
  }
  SECTION("the table lists every state and the total") {
    auto r = run_jobctl(dir, db(path) + " stats");
    REQUIRE(r.exit_code == 0);
    for (const auto& name : names)
      CHECK(r.out.find(name) != std::string::npos);
    CHECK(r.out.find("total") != std::string::npos);
  }
}

TEST_CASE("stats of an empty store shows every state as zero") {
  scratch_dir dir;
  auto path = write_store(dir, {});
  auto doc = parse_output(run_jobctl(dir, db(path) + " --json stats"));
  REQUIRE(doc.size() == all_job_states.size());
  for (auto s : all_job_states)
    CHECK(doc.at(std::string(to_string(s))) == 0);
}

TEST_CASE("list filters by state, type and queue") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());
  auto list = [&](const std::string& args) {
    return ids_of(parse_output(run_jobctl(dir, db(path) + " --json list " + args)));
  };
  CHECK(list("--state dead") == std::vector<job_id>{8, 10});
  CHECK(list("--type report") == std::vector<job_id>{3, 6, 7});
  CHECK(list("--queue mail") == std::vector<job_id>{2});
  CHECK(list("--type email --state pending") == std::vector<job_id>{1, 2});
  CHECK(list("--type nothing").empty());

  SECTION("a record in the list is the whole record") {
    auto doc = parse_output(run_jobctl(dir, db(path) + " --json list --state dead"));
    auto first = job_from_json(doc.at("jobs").at(0));
    REQUIRE(first);
    CHECK(first.value() == stored_job(path, 8));
  }
  SECTION("an unknown state is a usage error") {
    auto r = run_jobctl(dir, db(path) + " list --state sleeping");
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("sleeping") != std::string::npos);
  }
}

TEST_CASE("list pages by id with a cursor") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());
  auto page = [&](const std::string& args) {
    return parse_output(run_jobctl(dir, db(path) + " list --json " + args));
  };
  auto first = page("--limit 4");
  CHECK(ids_of(first) == std::vector<job_id>{1, 2, 3, 4});
  REQUIRE(first.at("next_after") == 4);
  auto second = page("--limit 4 --after 4");
  CHECK(ids_of(second) == std::vector<job_id>{5, 6, 7, 8});
  REQUIRE(second.at("next_after") == 8);
  auto last = page("--limit 4 --after 8");
  CHECK(ids_of(last) == std::vector<job_id>{9, 10});
  CHECK(last.at("next_after").is_null());

  SECTION("the table is aligned and ends with the next page's hint") {
    auto r = run_jobctl(dir, db(path) + " list --limit 4");
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(r.out);
    std::string header;
    std::getline(lines, header);
    auto state_column = header.find("state");
    REQUIRE(state_column != std::string::npos);
    std::vector<std::string> rows;
    for (std::string line; std::getline(lines, line);)
      rows.push_back(line);
    REQUIRE(rows.size() == 5);
    CHECK(rows[0].substr(state_column, 7) == "pending");
    CHECK(rows[2].substr(state_column, 9) == "scheduled");
    CHECK(rows[3].substr(state_column, 10) == "processing");
    CHECK(rows[4] == "next page: --after 4");
  }
}

TEST_CASE("show prints the record and one line per failed attempt") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());

  auto r = run_jobctl(dir, db(path) + " show 8");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("dead") != std::string::npos);
  CHECK(r.out.find("failed attempts (2)") != std::string::npos);
  std::istringstream lines(r.out);
  std::vector<std::string> history;
  for (std::string line; std::getline(lines, line);)
    if (line.find("smtp_busy") != std::string::npos ||
        line.find("bad_address") != std::string::npos)
      history.push_back(line);
  REQUIRE(history.size() == 2);
  CHECK(history[0].find("transient") != std::string::npos);
  CHECK(history[0].find("421 busy") != std::string::npos);
  CHECK(history[1].find("permanent") != std::string::npos);
  CHECK(history[1].find("no such mailbox") != std::string::npos);

  SECTION("--json is the record") {
    auto doc = parse_output(run_jobctl(dir, db(path) + " show 8 --json"));
    auto shown = job_from_json(doc);
    REQUIRE(shown);
    CHECK(shown.value() == stored_job(path, 8));
    CHECK(shown.value().errors.size() == 2);
  }
  SECTION("an unknown id is refused with exit code 2") {
    auto missing = run_jobctl(dir, db(path) + " show 999");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "jobctl: no job with id 999\n");
  }
}

TEST_CASE("cancel follows the transition table and changes the file") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());

  SECTION("a pending job is cancelled") {
    auto doc = parse_output(run_jobctl(dir, db(path) + " --json cancel 1"));
    CHECK(doc.at("state") == "cancelled");
    auto after = stored_job(path, 1);
    CHECK(after.state == job_state::cancelled);
    CHECK(after.finished_at.has_value());
  }
  SECTION("a processing job is asked to stop and stays processing") {
    REQUIRE(run_jobctl(dir, db(path) + " cancel 4").exit_code == 0);
    auto after = stored_job(path, 4);
    CHECK(after.state == job_state::processing);
    CHECK(after.cancel_requested);
  }
  SECTION("a completed job cannot be cancelled and stays as it was") {
    auto before = stored_job(path, 6);
    auto r = run_jobctl(dir, db(path) + " cancel 6");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "jobctl: job 6: event 'cancel' is not allowed in state "
                   "'completed'\n");
    CHECK(r.out.empty());
    CHECK(stored_job(path, 6) == before);
  }
  SECTION("an unknown id is refused with exit code 2") {
    auto r = run_jobctl(dir, db(path) + " cancel 999");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "jobctl: no job with id 999\n");
  }
}

TEST_CASE("requeue runs a dead job again and refuses a completed one") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());

  SECTION("dead → pending from attempt 0, history kept") {
    auto r = run_jobctl(dir, db(path) + " requeue 8");
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("pending") != std::string::npos);
    auto after = stored_job(path, 8);
    CHECK(after.state == job_state::pending);
    CHECK(after.attempt == 0);
    CHECK(after.errors.size() == 2);
    CHECK_FALSE(after.finished_at.has_value());
  }
  SECTION("cancelled → pending") {
    REQUIRE(run_jobctl(dir, db(path) + " requeue 9").exit_code == 0);
    CHECK(stored_job(path, 9).state == job_state::pending);
  }
  SECTION("completed is refused with exit code 2; the file is unchanged") {
    auto before = stored_job(path, 7);
    auto r = run_jobctl(dir, db(path) + " requeue 7");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "jobctl: job 7: event 'requeue' is not allowed in state "
                   "'completed'\n");
    CHECK(r.out.empty());
    CHECK(stored_job(path, 7) == before);
  }
  SECTION("with --json the refusal is JSON on stdout, with its code") {
    auto r = run_jobctl(dir, db(path) + " --json requeue 7");
    CHECK(r.exit_code == 2);
    CHECK(r.err.empty());
    CHECK(nlohmann::json::parse(r.out) ==
          nlohmann::json{{"error",
                          {{"code", "invalid_transition"},
                           {"message", "job 7: event 'requeue' is not allowed "
                                       "in state 'completed'"}}}});
  }
}

TEST_CASE("purge removes finished jobs of one terminal state by age") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());

  SECTION("--older-than keeps the recent ones") {
    auto r = run_jobctl(dir, db(path) + " purge --state completed --older-than 7d");
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "purged 1 completed job\n");
    CHECK_FALSE(exists(path, 6));
    CHECK(exists(path, 7));
  }
  SECTION("without an age every finished job of the state goes") {
    auto doc = parse_output(run_jobctl(dir, db(path) + " --json purge --state dead"));
    CHECK(doc == nlohmann::json{{"purged", 2}});
    CHECK_FALSE(exists(path, 8));
    CHECK_FALSE(exists(path, 10));
    CHECK(exists(path, 9)); // cancelled: another state
  }
  SECTION("an age that keeps everything purges nothing") {
    auto doc = parse_output(run_jobctl(
        dir, db(path) + " --json purge --state cancelled --older-than 12h"));
    CHECK(doc == nlohmann::json{{"purged", 0}});
    CHECK(exists(path, 9));
  }
  SECTION("a live state is refused with exit code 2 and nothing changes") {
    auto r = run_jobctl(dir, db(path) + " purge --state pending");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("terminal state") != std::string::npos);
    CHECK(exists(path, 1));
    CHECK(exists(path, 2));
  }
  SECTION("a malformed age is a usage error") {
    auto r = run_jobctl(dir, db(path) + " purge --state dead --older-than 7w");
    CHECK(r.exit_code != 0);
    CHECK(r.exit_code != 2);
    CHECK(r.err.find("unknown unit") != std::string::npos);
    CHECK(exists(path, 8));
  }
}

TEST_CASE("while another process owns the file, jobctl reads it and "
          "changes jobs beside it, fenced") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());
  auto owner = sqlite_store::open(path); // holds the lock, as a runtime does
  REQUIRE(owner);
  auto& store = *owner.value();

  CHECK(parse_output(run_jobctl(dir, db(path) + " --json stats")).at("dead") == 2);
  CHECK(ids_of(parse_output(run_jobctl(dir, db(path) + " --json list --state dead"))) ==
        std::vector<job_id>{8, 10});
  CHECK(run_jobctl(dir, db(path) + " show 8").exit_code == 0);

  SECTION("cancel, requeue and purge are written") {
    CHECK(parse_output(run_jobctl(dir, db(path) + " --json cancel 1"))
              .at("state") == "cancelled");
    CHECK(stored_job(path, 1).state == job_state::cancelled);
    CHECK(parse_output(run_jobctl(dir, db(path) + " --json requeue 8"))
              .at("state") == "pending");
    CHECK(stored_job(path, 8).state == job_state::pending);
    CHECK(parse_output(run_jobctl(dir, db(path) + " --json purge --state "
                                                  "completed")) ==
          nlohmann::json{{"purged", 2}});
    CHECK_FALSE((exists(path, 6) || exists(path, 7)));
  }
  SECTION("the owner's write decided before jobctl's change is refused") {
    auto held = stored_job(path, 2);
    REQUIRE(run_jobctl(dir, db(path) + " cancel 2").exit_code == 0);
    auto dispatched = step(held, events::dispatch{"runtime-a", std::nullopt},
                           wall_clock_now());
    store_batch batch;
    batch.writes.push_back(job_write{dispatched, job_fence::of(held)});
    auto receipt = store.commit(batch);
    REQUIRE(receipt);
    REQUIRE(receipt.value().refused.size() == 1);
    CHECK(receipt.value().refused[0].code ==
          write_refusal::code_type::state_changed);
    CHECK(stored_job(path, 2).state == job_state::cancelled);
  }
  SECTION("a processing job's cancel is posted for the owner, the row "
          "unchanged") {
    auto before = stored_job(path, 4);
    auto r = run_jobctl(dir, db(path) + " cancel 4");
    CHECK(r.exit_code == 0);
    CHECK(r.out ==
          "job 4: cancel requested; the running attempt is asked to stop\n");
    CHECK(r.err.empty());
    CHECK(parse_output(run_jobctl(dir, db(path) + " --json cancel 4")) ==
          nlohmann::json{{"id", 4}, {"state", "processing"},
                         {"cancel", "requested"}});
    CHECK(stored_job(path, 4) == before);
    store_batch take;
    take.take_commands = true;
    auto receipt = store.commit(take);
    REQUIRE(receipt);
    auto& commands = receipt.value().commands;
    REQUIRE(commands.size() == 2);
    for (const auto& c : commands) {
      CHECK(c.id == 4);
      CHECK(c.kind == operator_command::kind_type::cancel);
    }
  }
  SECTION("refusals are as without an owner") {
    auto r = run_jobctl(dir, db(path) + " --json requeue 7");
    CHECK(r.exit_code == 2);
    CHECK(nlohmann::json::parse(r.out).at("error").at("code") ==
          "invalid_transition");
    CHECK(run_jobctl(dir, db(path) + " cancel 999").exit_code == 2);
  }
}

TEST_CASE("a missing file is a store error with exit code 3") {
  scratch_dir dir;
  auto r = run_jobctl(dir, db((dir.path() / "absent.db").string()) + " stats");
  CHECK(r.exit_code == 3);
  CHECK(r.err.rfind("jobctl: ", 0) == 0);
  CHECK_FALSE(fs::exists(dir.path() / "absent.db"));
}

TEST_CASE("a missing command or --db is a usage error") {
  scratch_dir dir;
  CHECK(run_jobctl(dir, "stats").exit_code == 1);
  CHECK(run_jobctl(dir, "--db x.db").exit_code == 1);
  auto empty = run_jobctl(dir, "--db '' stats");
  CHECK(empty.exit_code == 1);
  CHECK(empty.err == "jobctl: --db must name a file, not ''\n"
                     "Run with --help for more information.\n");
}

// -- numbers are decimal digits (issue 10, item 2) ----------------------------

TEST_CASE("ids are decimal: 010 is job 10, never octal 8") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());
  auto r = run_jobctl(dir, db(path) + " --json requeue 010");
  REQUIRE(parse_output(r).at("id") == 10);
  CHECK(stored_job(path, 10).state == job_state::pending);
  CHECK(stored_job(path, 8).state == job_state::dead);
  CHECK(ids_of(parse_output(run_jobctl(dir, db(path) + " --json list --after 08"))) ==
        std::vector<job_id>{9, 10});
  CHECK(ids_of(parse_output(run_jobctl(dir, db(path) + " --json list --after 010")))
            .empty());
}

TEST_CASE("an id, --limit or --after that is not decimal digits in range is "
          "a usage error that says so") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());
  auto before = every_job(*reader(path));
  struct refusal {
    std::string args;
    std::string message;
  };
  const std::vector<refusal> refusals{
      {"show 0x10", "id must be a positive decimal number, not '0x10'"},
      {"show +5", "id must be a positive decimal number, not '+5'"},
      {"show abc", "id must be a positive decimal number, not 'abc'"},
      {"show 0", "id must be a positive decimal number, not '0'"},
      {"show -1", "id must be a positive decimal number, not '-1'"},
      {"show 5x", "id must be a positive decimal number, not '5x'"},
      {"requeue 99999999999999999999",
       "id must be between 1 and 9223372036854775807, not "
       "'99999999999999999999'"},
      {"cancel 9223372036854775808",
       "id must be between 1 and 9223372036854775807, not "
       "'9223372036854775808'"},
      {"list --limit 0x10", "--limit must be a positive decimal number, not "
                            "'0x10'"},
      {"list --limit 5000", "--limit must be between 1 and 1000, not '5000'"},
      {"list --limit 0", "--limit must be a positive decimal number, not '0'"},
      {"list --after -1", "--after must be a decimal number (digits only), "
                          "not '-1'"},
      {"list --after 1e3", "--after must be a decimal number (digits only), "
                           "not '1e3'"},
  };
  for (const auto& [args, message] : refusals) {
    INFO(args);
    auto r = run_jobctl(dir, db(path) + " " + args);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "jobctl: " + message +
                       "\nRun with --help for more information.\n");
    auto json = run_jobctl(dir, db(path) + " --json " + args);
    CHECK(json.exit_code == 1);
    CHECK(json.err.empty());
    CHECK(nlohmann::json::parse(json.out, nullptr, false) ==
          nlohmann::json{{"error", {{"code", "usage"}, {"message", message}}}});
  }
  CHECK(every_job(*reader(path)) == before);
}

// -- changing commands never create a store (item 10) ----------------------------

TEST_CASE("changing commands refuse a path that is not an existing store and "
          "create nothing") {
  scratch_dir dir;
  auto missing = (dir.path() / "mistyped.db").string();
  auto empty = (dir.path() / "empty.db").string();
  std::ofstream{empty};
  for (const std::string command :
       {"cancel 1", "requeue 1", "purge --state dead"}) {
    INFO(command);
    auto r = run_jobctl(dir, db(missing) + " " + command);
    CHECK(r.exit_code == 3);
    CHECK(r.err == "jobctl: " + missing +
                       " does not exist (no jobrt store there)\n");
    CHECK_FALSE(fs::exists(missing));

    auto e = run_jobctl(dir, db(empty) + " --json " + command);
    CHECK(e.exit_code == 3);
    CHECK(nlohmann::json::parse(e.out, nullptr, false) ==
          nlohmann::json{{"error",
                          {{"code", "corrupt"},
                           {"message", empty + " is not a jobrt store (the "
                                               "file is empty)"}}}});
    CHECK(fs::file_size(empty) == 0);
    CHECK_FALSE(fs::exists(empty + "-wal"));
  }
}

// -- read-only media (item 11) ----------------------------------------------------

TEST_CASE("reading commands work on a store in a read-only directory") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());
  test::read_only_dir guard{dir.path()};
  if (!guard.ok()) {
    WARN("skipped: cannot make a directory read-only here");
    return;
  }
  // Its output goes elsewhere: nothing can be written in `dir` now.
  scratch_dir elsewhere;
  CHECK(parse_output(run_jobctl(elsewhere, db(path) + " --json stats"))
            .at("dead") == 2);
  CHECK(ids_of(parse_output(run_jobctl(elsewhere,
                                       db(path) + " --json list --state dead"))) ==
        std::vector<job_id>{8, 10});
  auto shown = job_from_json(
      parse_output(run_jobctl(elsewhere, db(path) + " --json show 8")));
  REQUIRE(shown);
  CHECK(shown.value().errors.size() == 2);
  CHECK(run_jobctl(elsewhere, db(path) + " show 8").exit_code == 0);
  CHECK_FALSE(fs::exists(path + "-wal"));
  CHECK_FALSE(fs::exists(path + "-shm"));
}

// -- exit codes and messages (item 12) ----------------------------------------------

TEST_CASE("with --json every error is JSON on stdout with a code") {
  scratch_dir dir;
  auto path = write_store(dir, sample_jobs());
  auto error_of = [&](const std::string& args, int exit_code) {
    auto r = run_jobctl(dir, args);
    INFO(args << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == exit_code);
    CHECK(r.err.empty());
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE(doc.is_object());
    REQUIRE(doc.contains("error"));
    return doc.at("error");
  };
  CHECK(error_of(db(path) + " --json show 999", 2) ==
        nlohmann::json{{"code", "not_found"}, {"message", "no job with id 999"}});
  CHECK(error_of(db(path) + " --json purge --state pending", 2).at("code") ==
        "not_terminal");
  CHECK(error_of(db((dir.path() / "absent.db").string()) + " --json stats", 3)
            .at("code") == "io");
  CHECK(error_of("--json stats", 1) ==
        nlohmann::json{{"code", "usage"}, {"message", "--db is required"}});
  CHECK(error_of(db(path) + " --json list --state sleeping", 1).at("code") ==
        "usage");

  // Beside an owner, a writer that holds the file past jobctl's wait (2 s)
  // makes a change fail as locked, with nothing changed.
  auto owner = sqlite_store::open(path);
  REQUIRE(owner);
  {
    test::held_write_lock writer{path};
    CHECK(error_of(db(path) + " --json cancel 1", 3).at("code") == "locked");
  }
  CHECK(stored_job(path, 1).state == job_state::pending);
}

TEST_CASE("a requeue refused by a unique key another live job holds is a "
          "refusal (2), not a store failure") {
  scratch_dir dir;
  auto now = wall_clock_now();
  auto dead = dead_job(1, "email", "default", now);
  dead.unique_key = "welcome-42";
  auto live = new_job(2, "email", "default", now);
  live.unique_key = "welcome-42";
  auto path = write_store(dir, {dead, live});

  auto r = run_jobctl(dir, db(path) + " --json requeue 1");
  CHECK(r.exit_code == 2);
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  CHECK(doc.at("error").at("code") == "conflict");
  CHECK_THAT(doc.at("error").at("message").get<std::string>(),
             Catch::Contains("unique key 'welcome-42'"));
  CHECK(stored_job(path, 1).state == job_state::dead);
}

TEST_CASE("a run_at at the end of time prints as never") {
  scratch_dir dir;
  auto now = wall_clock_now();
  auto j = retrying_job(1, now);
  j.run_at = saturating_add(now, duration::max()); // time_point::max()
  auto path = write_store(dir, {j});

  auto shown = run_jobctl(dir, db(path) + " show 1");
  REQUIRE(shown.exit_code == 0);
  std::istringstream lines(shown.out);
  std::string run_at;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("run_at", 0) == 0)
      run_at = line;
  CHECK_THAT(run_at, Catch::EndsWith(" never"));
  auto listed = run_jobctl(dir, db(path) + " list");
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out.find("never") != std::string::npos);
  // JSON keeps the exact number of milliseconds.
  CHECK(parse_output(run_jobctl(dir, db(path) + " --json show 1")).at("run_at") ==
        std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("--help documents the exit codes") {
  scratch_dir dir;
  auto r = run_jobctl(dir, "--help");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Exit codes:") &&
                        Catch::Contains("2  refused") &&
                        Catch::Contains("3  store failure") &&
                        Catch::Contains("1  usage error"));
}
