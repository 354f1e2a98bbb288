// An attempt's time limit measures its handler's run, and no more attempts
// are handed to the worker pool than it can start soon (issue: attempts
// that waited behind busy threads timed out without ever running). The pool
// is in manual mode: the test is its only thread, and a handler "works" by
// moving simulated time forward while the actors go on running.

#include "supervisor_fixture.hpp"

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

/// A handler that works for `d` of simulated time, letting every actor run
/// meanwhile (deadlines fire while it works), then succeeds unless it was
/// asked to stop.
job_handler works_for(supervisor_fixture& f, duration d) {
  return [&f, d](job_context& ctx) -> job_result {
    f.advance(d);
    if (ctx.stop_requested())
      return job_error::transient("stopped", "asked to stop while working");
    return job_output{"done"};
  };
}

job_spec with_timeout(duration timeout) {
  auto spec = spec_of("work");
  spec.timeout = timeout;
  spec.max_attempts = 1;
  return spec;
}

} // namespace

TEST_CASE("an attempt that waited for a thread gets its whole time limit",
          "[supervisor][timeout]") {
  supervisor_fixture f;
  f.with_manual_pool(1);
  f.handle_callable("work", works_for(f, 400ms));
  f.start();
  // Both are dispatched at once (one thread, two per thread); the second
  // starts only when the first is done, 400 ms after its dispatch.
  auto first = f.enqueue(with_timeout(500ms));
  auto second = f.enqueue(with_timeout(500ms));
  CHECK(f.pool->queued() == 2);
  CHECK(f.pool->run_queued(1) == 1);
  f.run();
  // The second runs from 400 ms to 800 ms: past dispatch + 500 ms, but
  // within 500 ms of its own start.
  CHECK(f.pool->run_queued(1) == 1);
  f.run();
  CHECK(f.get(first).state == job_state::completed);
  CHECK(f.get(second).state == job_state::completed);
  CHECK(f.stats().outcomes.timed_out == 0);
}

TEST_CASE("an attempt still times out when its own run exceeds the limit",
          "[supervisor][timeout]") {
  supervisor_fixture f;
  f.with_manual_pool(1);
  f.handle_callable("work", works_for(f, 400ms));
  f.start();
  auto first = f.enqueue(with_timeout(500ms));
  auto second = f.enqueue(with_timeout(300ms));
  CHECK(f.pool->run_queued(1) == 1); // 0 ms .. 400 ms: within 500 ms
  f.run();
  CHECK(f.pool->run_queued(1) == 1); // 400 ms .. 800 ms: over 300 ms
  f.run();
  CHECK(f.get(first).state == job_state::completed);
  auto late = f.get(second);
  CHECK(late.state == job_state::dead);
  REQUIRE(late.errors.size() == 1);
  CHECK(late.errors.front().error.kind == error_kind::timeout);
  // It timed out 300 ms after its start (at 700 ms), not after its dispatch.
  CHECK(late.errors.front().at == test_epoch + 700ms);
  CHECK(f.stats().outcomes.timed_out == 1);
}

TEST_CASE("the pool is handed at most threads x handoff_per_thread attempts",
          "[supervisor][timeout]") {
  supervisor_fixture f;
  f.with_manual_pool(3);
  f.handoff_per_thread = 2;
  f.handle_callable("work", works_for(f, 10ms));
  f.start(/*max_in_flight=*/256);
  job_specs specs(20, with_timeout(1s));
  auto results = f.ask<enqueue_results>(atoms::enqueue::value, specs);
  REQUIRE(results.size() == 20);
  CHECK(f.stats().in_flight == 6);
  CHECK(f.pool->queued() == 6);
  CHECK(f.stats().count(job_state::pending) == 14);
  // Each attempt that returns frees its place for the next pending job.
  CHECK(f.pool->run_queued(2) == 2);
  f.run();
  CHECK(f.stats().in_flight == 6);
  CHECK(f.stats().count(job_state::completed) == 2);
  while (f.pool->run_queued() > 0)
    f.run();
  CHECK(f.stats().count(job_state::completed) == 20);
  CHECK(f.stats().outcomes.timed_out == 0);
}
