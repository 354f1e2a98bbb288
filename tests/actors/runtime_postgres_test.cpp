// The runtime on a real PostgreSQL server (persistence/postgres_server.hpp):
// jobs run to completion through claims, retries and due times come back
// without staging, and runtimes that share one queue run each job once.

#include "event_recorder.hpp"
#include "quiet_runtime.hpp"

#include "eventually.hpp"
#include "persistence/postgres_server.hpp"

#include "jobrt/actors/runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace jobrt;
using namespace jobrt::testing;
using jobrt::test::eventually;
using jobrt::test::postgres_scratch;
using namespace std::chrono_literals;

namespace {

runtime_config on_postgres(const postgres_scratch& db) {
  auto c = quiet_runtime_config();
  c.database = db.uri();
  c.postgres.schema = db.schema();
  c.postgres.heartbeat = 100ms;
  return c;
}

job_spec spec_of(std::string type, std::string payload = {}) {
  job_spec s;
  s.type = std::move(type);
  s.payload = std::move(payload);
  return s;
}

std::uint64_t finished(runtime& rt) {
  auto s = rt.stats();
  if (!s)
    return 0;
  return s.value().count(job_state::completed) + s.value().count(job_state::dead);
}

} // namespace

TEST_CASE("a runtime on PostgreSQL runs jobs, retries them and runs the ones "
          "that come due, and get/list read the database",
          "[runtime][postgres]") {
  REQUIRE_POSTGRES(uri);
  postgres_scratch db{uri};
  runtime rt{on_postgres(db)};
  std::atomic<int> flaky_calls{0};
  REQUIRE(rt.handle("echo", [](job_context& ctx) -> job_result {
    return job_output{std::string(ctx.payload())};
  }));
  job_type_options retried;
  retried.retry.backoff = fixed_backoff{20ms};
  retried.retry.jitter = {jitter_kind::none, 0.0};
  REQUIRE(rt.handle("flaky",
                    [&](job_context& ctx) -> job_result {
                      ++flaky_calls;
                      if (ctx.attempt() < 3)
                        return job_error::transient("flaky", "not yet");
                      return job_output{};
                    },
                    retried));
  REQUIRE(rt.start());
  auto echo = rt.enqueue(spec_of("echo", "hello"));
  auto flaky = rt.enqueue(spec_of("flaky"));
  auto later = spec_of("echo", "later");
  later.run_at = wall_clock_now() + 300ms;
  auto due = rt.enqueue(later);
  REQUIRE(echo);
  REQUIRE(flaky);
  REQUIRE(due);
  REQUIRE(eventually([&] { return finished(rt) == 3; }));

  auto done = rt.get(echo.value().id);
  REQUIRE(done);
  CHECK(done.value().state == job_state::completed);
  CHECK(done.value().output == "hello");
  auto retried_job = rt.get(flaky.value().id);
  REQUIRE(retried_job);
  CHECK(retried_job.value().state == job_state::completed);
  CHECK(retried_job.value().attempt == 3);
  CHECK(retried_job.value().errors.size() == 2);
  CHECK(flaky_calls.load() == 3);
  auto came_due = rt.get(due.value().id);
  REQUIRE(came_due);
  CHECK(came_due.value().state == job_state::completed);
  CHECK(came_due.value().updated_at >= later.run_at.value());
  job_query completed;
  completed.state = job_state::completed;
  auto page = rt.list(completed);
  REQUIRE(page);
  CHECK(page.value().jobs.size() == 3);
  REQUIRE(rt.shutdown(2s));
}

TEST_CASE("runtimes that share one PostgreSQL queue run each job once",
          "[runtime][postgres]") {
  REQUIRE_POSTGRES(uri);
  postgres_scratch db{uri};
  // ThreadSanitizer slows every hand-off about twentyfold: CI asks for
  // fewer jobs there (JOBRT_STRESS_JOBS, as for the stress test).
  const char* scale = std::getenv("JOBRT_STRESS_JOBS");
  const int jobs = scale != nullptr && *scale != '\0'
                       ? std::max(std::atoi(scale) / 5, 20)
                       : 2000;
  std::mutex lock;
  std::map<std::pair<job_id, std::int32_t>, int> runs;
  std::map<int, int> by_runtime;
  auto handler = [&](int which) {
    return [&, which](job_context& ctx) -> job_result {
      std::lock_guard guard{lock};
      ++runs[{ctx.id(), ctx.attempt()}];
      ++by_runtime[which];
      return job_output{};
    };
  };
  runtime a{on_postgres(db)};
  runtime b{on_postgres(db)};
  REQUIRE(a.handle("work", handler(0)));
  REQUIRE(b.handle("work", handler(1)));
  REQUIRE(a.start());
  REQUIRE(b.start());
  // Half enqueued on each, so each claims the other's too.
  job_specs first, second;
  for (int i = 0; i < jobs; ++i)
    (i % 2 == 0 ? first : second).push_back(spec_of("work"));
  for (const auto& r : a.enqueue(first))
    REQUIRE(r);
  for (const auto& r : b.enqueue(second))
    REQUIRE(r);
  REQUIRE(eventually([&] { return finished(a) == static_cast<std::uint64_t>(jobs); },
                     std::chrono::seconds(120)));
  REQUIRE(a.shutdown(2s));
  REQUIRE(b.shutdown(2s));
  CHECK(runs.size() == static_cast<std::size_t>(jobs));
  for (const auto& [run, count] : runs)
    CHECK(count == 1);
  CHECK(by_runtime[0] + by_runtime[1] == jobs);
  CHECK(by_runtime[0] > 0);
  CHECK(by_runtime[1] > 0);
}
