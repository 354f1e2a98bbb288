// The circuit breaker seen from the supervisor: a burst of transient
// failures pauses the key, paused jobs wait without spending attempts,
// half-open probes close it again or re-open it.

#include "supervisor_fixture.hpp"

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

job_type_options breaker_options() {
  auto o = with_policy(exact_policy(10, fixed_backoff{1s}));
  breaker_config b;
  b.window = count_window{10};
  b.threshold = failure_count_threshold{3};
  b.cooldown = 5s;
  b.probes = 2;
  o.breaker = b;
  return o;
}

struct outage_fixture : supervisor_fixture {
  outage_fixture() {
    handle("charge", breaker_options());
    log->script = [this](const job&) -> std::optional<job_result> {
      if (down)
        return job_result{job_error::transient("psp_unavailable")};
      return job_result{job_output{}};
    };
    start();
  }

  std::vector<job_id> enqueue_n(int n) {
    job_specs specs(static_cast<std::size_t>(n), spec_of("charge"));
    auto results = ask<enqueue_results>(atoms::enqueue::value, specs);
    std::vector<job_id> ids;
    for (auto& r : results)
      ids.push_back(r.value().id);
    return ids;
  }

  breaker_state breaker() {
    auto s = stats();
    REQUIRE(s.breakers.size() == 1);
    return s.breakers[0].state;
  }

  bool down = true;
};

} // namespace

TEST_CASE("a burst of transient failures trips the breaker and paused jobs "
          "spend no attempts",
          "[supervisor][breaker]") {
  outage_fixture f;
  auto first = f.enqueue_n(3);
  CHECK(f.log->runs.size() == 3);
  CHECK(f.breaker() == breaker_state::open);
  CHECK(f.stats().breakers[0].trips == 1);

  auto later = f.enqueue_n(5);
  f.advance(4999ms); // the failed three became due at +1 s; still paused
  CHECK(f.log->runs.size() == 3);
  for (auto id : first) {
    auto j = f.get(id);
    CHECK(j.state == job_state::pending);
    CHECK(j.attempt == 1);
  }
  for (auto id : later) {
    auto j = f.get(id);
    CHECK(j.state == job_state::pending);
    CHECK(j.attempt == 0);
  }
}

TEST_CASE("successful half-open probes close the breaker and the backlog "
          "drains",
          "[supervisor][breaker]") {
  outage_fixture f;
  auto first = f.enqueue_n(3);
  auto later = f.enqueue_n(5);
  REQUIRE(f.breaker() == breaker_state::open);
  f.down = false;
  f.advance(5s);
  CHECK(f.breaker() == breaker_state::closed);
  CHECK(f.log->runs.size() == 3 + 8);
  for (auto id : first)
    CHECK(f.get(id).attempt == 2);
  for (auto id : later) {
    auto j = f.get(id);
    CHECK(j.state == job_state::completed);
    CHECK(j.attempt == 1); // the pause cost them nothing
  }
}

TEST_CASE("a failed probe re-opens the breaker for another cooldown",
          "[supervisor][breaker]") {
  outage_fixture f;
  f.enqueue_n(3);
  f.enqueue_n(5);
  f.advance(5s); // half-open: two probes, both fail
  CHECK(f.log->runs.size() == 3 + 2);
  CHECK(f.breaker() == breaker_state::open);
  CHECK(f.stats().breakers[0].trips == 2);
  f.advance(4999ms);
  CHECK(f.log->runs.size() == 5);
  f.down = false;
  f.advance(1ms);
  CHECK(f.breaker() == breaker_state::closed);
  CHECK(f.stats().count(job_state::completed) == 8);
}

TEST_CASE("permanent failures never trip the breaker", "[supervisor][breaker]") {
  supervisor_fixture f;
  f.handle("charge", breaker_options());
  f.log->script = [](const job&) -> std::optional<job_result> {
    return job_result{job_error::permanent("invalid_card")};
  };
  f.start();
  job_specs specs(20, spec_of("charge"));
  f.ask<enqueue_results>(atoms::enqueue::value, specs);
  CHECK(f.log->runs.size() == 20);
  auto s = f.stats();
  CHECK(s.count(job_state::dead) == 20);
  for (const auto& b : s.breakers)
    CHECK(b.state == breaker_state::closed);
}
