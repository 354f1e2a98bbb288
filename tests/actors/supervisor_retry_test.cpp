// Retries on the deterministic scheduler: exact backoff timing, the
// dead-letter state, permanent errors, per-code rules, handler hints, and
// attempt timeouts whose late replies are fenced off.

#include "supervisor_fixture.hpp"

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

std::optional<job_result> fail_with(job_error e) {
  return job_result{std::move(e)};
}

duration since(time_point start, time_point t) { return t - start; }

} // namespace

TEST_CASE("each retry runs exactly after its backoff, never earlier",
          "[supervisor][retry]") {
  supervisor_fixture f;
  f.handle("flaky", with_policy(exact_policy(4, exponential_backoff{1s, 2.0, 1h})));
  f.log->script = [](const job&) {
    return fail_with(job_error::transient("unavailable"));
  };
  f.start();
  auto t0 = f.now();
  auto id = f.enqueue(spec_of("flaky"));
  REQUIRE(f.log->runs.size() == 1);

  // Backoffs 1 s, 2 s, 4 s: attempts at +0, +1, +3, +7 s.
  for (auto [wait, runs] : {std::pair{999ms, 1}, {1ms, 2}, {1999ms, 2},
                            {1ms, 3}, {3999ms, 3}, {1ms, 4}}) {
    f.advance(wait);
    CHECK(f.log->runs.size() == static_cast<std::size_t>(runs));
  }
  std::vector<duration> offsets;
  for (const auto& r : f.log->runs)
    offsets.push_back(since(t0, r.at));
  CHECK(offsets == std::vector<duration>{0ms, 1000ms, 3000ms, 7000ms});

  auto dead = f.get(id);
  CHECK(dead.state == job_state::dead);
  CHECK(dead.attempt == 4);
  REQUIRE(dead.errors.size() == 4);
  CHECK(dead.errors.back().error.code == "unavailable");
  CHECK(f.store->find(id)->state == job_state::dead);

  // Nothing runs after the dead letter, however long we wait.
  f.advance(1h);
  CHECK(f.log->runs.size() == 4);
  auto s = f.stats();
  CHECK(s.count(job_state::dead) == 1);
  CHECK(s.outcomes.retries_scheduled == 3);
  CHECK(s.outcomes.dead_lettered == 1);
}

TEST_CASE("a permanent error goes to the dead letters without a retry",
          "[supervisor][retry]") {
  supervisor_fixture f;
  f.handle("charge", with_policy(exact_policy(5)));
  f.log->script = [](const job&) {
    return fail_with(job_error::permanent("card_declined", "insufficient funds"));
  };
  f.start();
  auto id = f.enqueue(spec_of("charge"));
  f.advance(1h);
  CHECK(f.log->runs.size() == 1);
  auto dead = f.get(id);
  CHECK(dead.state == job_state::dead);
  REQUIRE(dead.errors.size() == 1);
  CHECK(dead.errors[0].error.kind == error_kind::permanent);
  CHECK(dead.errors[0].error.message == "insufficient funds");
  CHECK(f.stats().outcomes.failed_permanent == 1);
}

TEST_CASE("rules by error code bring their own budget and backoff",
          "[supervisor][retry]") {
  supervisor_fixture f;
  auto policy = exact_policy(5);
  policy.rules.push_back({"not_found", 2, fixed_backoff{10s}, false});
  policy.rules.push_back({"bad_input", std::nullopt, std::nullopt, true});
  f.handle("fetch", with_policy(policy));
  f.log->script = [](const job& j) {
    return fail_with(job_error::transient(j.payload));
  };
  f.start();
  auto t0 = f.now();
  auto missing = f.enqueue([] { auto s = spec_of("fetch"); s.payload = "not_found"; return s; }());
  auto bad = f.enqueue([] { auto s = spec_of("fetch"); s.payload = "bad_input"; return s; }());
  auto other = f.enqueue([] { auto s = spec_of("fetch"); s.payload = "timeout_upstream"; return s; }());

  f.advance(9999ms);
  CHECK(f.log->runs_of(missing) == 1);
  f.advance(1ms);
  CHECK(f.log->runs_of(missing) == 2);
  CHECK(since(t0, f.log->runs.back().at) == 10s);
  f.advance(1h);
  CHECK(f.get(missing).state == job_state::dead);
  CHECK(f.log->runs_of(missing) == 2); // the rule's 2, not the policy's 5
  CHECK(f.log->runs_of(bad) == 1);     // never retried
  CHECK(f.get(bad).state == job_state::dead);
  CHECK(f.log->runs_of(other) == 5);   // the policy's own budget
  CHECK(f.get(other).state == job_state::dead);
}

TEST_CASE("a handler's retry_after hint replaces the computed backoff",
          "[supervisor][retry]") {
  supervisor_fixture f;
  f.handle("api", with_policy(exact_policy(3, fixed_backoff{1s})));
  f.log->script = [](const job& j) -> std::optional<job_result> {
    if (j.attempt == 1) {
      auto e = job_error::transient("rate_limited");
      e.retry_after = 5s;
      return job_result{e};
    }
    return job_result{job_output{"ok"}};
  };
  f.start();
  auto t0 = f.now();
  auto id = f.enqueue(spec_of("api"));
  f.advance(4999ms);
  CHECK(f.log->runs.size() == 1);
  f.advance(1ms);
  REQUIRE(f.log->runs.size() == 2);
  CHECK(since(t0, f.log->runs[1].at) == 5s);
  auto done = f.get(id);
  CHECK(done.state == job_state::completed);
  CHECK(done.output == std::optional<std::string>{"ok"});
}

TEST_CASE("an attempt past its timeout fails, is asked to stop, and its "
          "late reply is discarded",
          "[supervisor][retry][timeout]") {
  supervisor_fixture f;
  auto options = with_policy(exact_policy(3, fixed_backoff{1s}));
  options.timeout = 2s;
  f.handle("slow", options);
  f.log->script = [](const job& j) -> std::optional<job_result> {
    if (j.attempt == 1)
      return std::nullopt; // hangs
    return job_result{job_output{"second"}};
  };
  f.start();
  auto id = f.enqueue(spec_of("slow"));

  f.advance(1999ms);
  CHECK(f.get(id).state == job_state::processing);
  f.advance(1ms);
  auto timed_out = f.get(id);
  CHECK(timed_out.state == job_state::retrying);
  REQUIRE(timed_out.errors.size() == 1);
  CHECK(timed_out.errors[0].error.kind == error_kind::timeout);
  CHECK(f.log->stops == std::vector<std::pair<job_id, std::int32_t>>{{id, 1}});

  // The first attempt answers after all: fenced off, changes nothing.
  f.reply_late(id, 1, job_output{"late"});
  CHECK(f.get(id).state == job_state::retrying);
  CHECK(f.stats().outcomes.stale_replies == 1);
  CHECK(f.stats().outcomes.timed_out == 1);

  f.advance(1s);
  CHECK(f.log->runs_of(id) == 2);
  auto done = f.get(id);
  CHECK(done.state == job_state::completed);
  CHECK(done.attempt == 2);
}

TEST_CASE("a job scheduled in the future runs at its run_at, not before",
          "[supervisor][retry]") {
  supervisor_fixture f;
  f.handle("report");
  f.start();
  auto spec = spec_of("report");
  spec.run_at = f.now() + 30s;
  auto id = f.enqueue(spec);
  CHECK(f.get(id).state == job_state::scheduled);
  f.advance(29999ms);
  CHECK(f.log->runs.empty());
  f.advance(1ms);
  CHECK(f.log->runs_of(id) == 1);
  CHECK(f.get(id).state == job_state::completed);
}
