// The supervisor holds its working set, never the store: with 100,000 jobs
// waiting and four allowed at once, the jobs it holds in memory stay
// bounded by what runs plus one claim's worth, and its memory does not grow
// with the backlog (DESIGN.md, "Shape").

#include "supervisor_fixture.hpp"

#include <cstdlib>

using namespace jobrt;
using namespace jobrt::testing;

namespace {

std::size_t job_count() {
  // ThreadSanitizer's run (CI) asks for fewer; the bound is the same.
  if (const char* n = std::getenv("JOBRT_STRESS_JOBS"))
    return std::strtoull(n, nullptr, 10) * 10;
  return 100'000;
}

} // namespace

TEST_CASE("the working set stays bounded by the running attempts, whatever "
          "the backlog",
          "[supervisor][working_set]") {
  supervisor_fixture f;
  constexpr std::int32_t concurrency = 4;
  job_type_options options = with_policy(retry_policy{});
  options.concurrency = concurrency;
  f.handle("email", options);
  std::size_t running_now = 0;
  std::size_t most_running = 0;
  f.log->script = [&](const job&) {
    most_running = std::max(most_running, ++running_now);
    --running_now; // answered at once
    return std::optional<job_result>{job_output{}};
  };
  f.start();
  const auto jobs = job_count();
  constexpr std::size_t batch = 1000;
  std::uint64_t peak_while_enqueueing = 0;
  for (std::size_t sent = 0; sent < jobs; sent += batch) {
    job_specs specs(batch, spec_of("email"));
    auto results = f.ask<enqueue_results>(atoms::enqueue::value, specs);
    REQUIRE(results.size() == batch);
    REQUIRE(results.back());
    peak_while_enqueueing =
        std::max(peak_while_enqueueing, f.stats().held_jobs);
  }
  f.run();
  auto stats = f.stats();
  CHECK(stats.count(job_state::completed) == jobs);
  CHECK(stats.outcomes.succeeded == jobs);
  // What runs, plus the claim that refills the free slots: a count, not a
  // size, so it says exactly how much the supervisor held.
  const std::uint64_t bound = 2 * concurrency;
  CHECK(stats.held_jobs_peak <= bound);
  CHECK(peak_while_enqueueing <= bound);
  CHECK(stats.held_jobs == 0);
  CHECK(f.log->runs.size() == jobs);
}
