// jobctl beside a running runtime: a runtime runs in this process on a real
// SQLite file (holding its lock), and the built jobctl binary changes jobs
// on the same file as an operator would. The runtime picks the changes up
// by itself: a requeued job at its next poll, a cancel of a running attempt
// as an operator command, a change to a job it holds by the refusal of its
// next write. Each test waits for a real signal (a handler's flag, an
// event) with a bound of a few seconds, never for a fixed time.

#include "actors/event_recorder.hpp"
#include "actors/quiet_runtime.hpp"
#include "actors/thread_flag.hpp"
#include "apps/jobctl_run.hpp"

#include "jobrt/actors/runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;
using test::run_result;
using test::scratch_dir;

/// Long enough for a poll (1 s), a commit and a handler on a busy machine.
constexpr auto bound = 5s;

job_spec spec_of(std::string type) {
  job_spec s;
  s.type = std::move(type);
  return s;
}

/// A runtime on a fresh SQLite file, registered by the test, then started;
/// and jobctl on the same file.
class live_runtime {
public:
  explicit live_runtime(std::size_t max_in_flight = 256)
    : rt(config(path, max_in_flight)) {}

  void start() {
    REQUIRE(rt.start());
    events_.emplace(rt);
  }

  /// `jobctl --db <file> <args>`.
  run_result jobctl(const std::string& args) {
    return test::run_jobctl(dir, test::db(path) + " " + args);
  }
  /// The same with --json, which must succeed.
  nlohmann::json jobctl_json(const std::string& args) {
    return test::parse_output(jobctl("--json " + args));
  }

  /// Whether job `id` is seen to reach `state` within the bound.
  bool reaches(job_id id, job_state state) {
    return events_->wait_for(
        [id, state](const std::map<job_id, job_state>& last) {
          auto i = last.find(id);
          return i != last.end() && i->second == state;
        },
        bound);
  }

  job_id enqueue(job_spec spec) {
    auto enqueued = rt.enqueue(std::move(spec));
    REQUIRE(enqueued);
    return enqueued.value().id;
  }

  /// The job as the store holds it.
  job stored(job_id id) {
    auto found = rt.get(id);
    REQUIRE(found);
    return found.value();
  }

  scratch_dir dir;
  std::string path = dir.file("jobs.db");
  runtime rt;

private:
  static runtime_config config(const std::string& file,
                               std::size_t max_in_flight) {
    auto c = quiet_runtime_on(file);
    c.max_in_flight = max_in_flight;
    return c;
  }

  std::optional<event_recorder> events_;
};

std::string id_arg(job_id id) { return std::to_string(id); }

} // namespace

TEST_CASE("live: a dead job requeued with jobctl runs again and completes",
          "[jobctl][live]") {
  live_runtime live;
  std::atomic<int> calls{0};
  REQUIRE(live.rt.handle("email", [&](job_context&) -> job_result {
    if (calls.fetch_add(1) == 0)
      return job_error::permanent("bad_address", "no such mailbox");
    return job_output{"sent"};
  }));
  live.start();
  auto id = live.enqueue(spec_of("email"));
  REQUIRE(live.reaches(id, job_state::dead));

  auto requeued = live.jobctl_json("requeue " + id_arg(id));
  CHECK(requeued.at("state") == "pending");
  CHECK(requeued.at("attempt") == 0);
  // Nobody told the runtime: its poll finds the pending row.
  REQUIRE(live.reaches(id, job_state::completed));
  CHECK(calls == 2);
  auto done = live.stored(id);
  CHECK(done.attempt == 1);
  CHECK(done.errors.size() == 1); // the history that explains the requeue
  auto shown = live.jobctl_json("show " + id_arg(id));
  CHECK(shown.at("state") == "completed");
  CHECK(shown.at("output") == "sent");
}

TEST_CASE("live: jobctl's cancel of a running attempt reaches its handler, "
          "and the job ends cancelled",
          "[jobctl][live]") {
  live_runtime live;
  thread_flag started;
  std::atomic<bool> saw_stop{false};
  REQUIRE(live.rt.handle("export", [&](job_context& ctx) -> job_result {
    started.raise();
    // Works until asked to stop (bounded, so a lost request fails the test
    // rather than hanging it).
    saw_stop = ctx.sleep_for(30s);
    return job_output{"partial"};
  }));
  live.start();
  auto id = live.enqueue(spec_of("export"));
  REQUIRE(started.wait(bound));

  auto r = live.jobctl("cancel " + id_arg(id));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "job " + id_arg(id) +
                     ": cancel requested; the running attempt is asked to stop\n");
  REQUIRE(live.reaches(id, job_state::cancelled));
  CHECK(saw_stop);
  auto after = live.stored(id);
  CHECK(after.state == job_state::cancelled);
  CHECK_FALSE(after.cancel_requested);

  // Once finished, a second cancel is refused as for any cancelled job.
  CHECK(live.jobctl("cancel " + id_arg(id)).exit_code == 2);
}

TEST_CASE("live: a scheduled job the runtime holds, cancelled with jobctl, "
          "never runs and frees its slot",
          "[jobctl][live]") {
  live_runtime live{/*max_in_flight=*/1}; // a slot kept by the refused start
                                          // would stop every later job
  std::mutex mutex;
  std::vector<job_id> ran;
  thread_flag sentinel_ran;
  job_id sentinel = 0;
  REQUIRE(live.rt.handle("report", [&](job_context& ctx) -> job_result {
    std::lock_guard<std::mutex> guard{mutex};
    ran.push_back(ctx.id());
    if (ctx.id() == sentinel)
      sentinel_ran.raise();
    return job_output{};
  }));
  live.start();
  // Both within the staging horizon: held and armed in the runtime's timer.
  auto at = wall_clock_now() + 3s;
  auto first = spec_of("report");
  first.run_at = at;
  auto second = spec_of("report");
  second.run_at = at + 500ms; // due after the first: a signal that it was due
  auto id = live.enqueue(first);
  {
    std::lock_guard<std::mutex> guard{mutex};
    sentinel = live.enqueue(second);
  }

  REQUIRE(live.jobctl_json("cancel " + id_arg(id)).at("state") == "cancelled");
  REQUIRE(sentinel_ran.wait(bound + 3s));
  {
    std::lock_guard<std::mutex> guard{mutex};
    CHECK(ran == std::vector<job_id>{sentinel});
  }
  CHECK(live.stored(id).state == job_state::cancelled);
}

TEST_CASE("live: jobctl purges a completed job and reads the store while the "
          "runtime runs",
          "[jobctl][live]") {
  live_runtime live;
  REQUIRE(live.rt.handle("ping", [](job_context&) -> job_result {
    return job_output{"pong"};
  }));
  live.start();
  auto id = live.enqueue(spec_of("ping"));
  REQUIRE(live.reaches(id, job_state::completed));
  auto later = spec_of("ping");
  later.run_at = wall_clock_now() + 1h;
  auto waiting = live.enqueue(later);

  auto stats = live.jobctl_json("stats");
  CHECK(stats.at("completed") == 1);
  CHECK(stats.at("scheduled") == 1);
  CHECK(live.jobctl_json("list").at("jobs").size() == 2);
  CHECK(live.jobctl_json("show " + id_arg(id)).at("output") == "pong");

  auto purged = live.jobctl("purge --state completed");
  REQUIRE(purged.exit_code == 0);
  CHECK(purged.out == "purged 1 completed job\n");
  auto gone = live.rt.get(id);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == request_error::code_type::not_found);
  CHECK(live.stored(waiting).state == job_state::scheduled);

  // The runtime goes on as before.
  auto next = live.enqueue(spec_of("ping"));
  CHECK(next > waiting);
  CHECK(live.reaches(next, job_state::completed));
}
