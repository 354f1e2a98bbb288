// The durability points of DESIGN.md, "Shape": nothing a turn did is visible
// before the store has committed it, group commit merges turns, a failed
// commit loses nothing acknowledged, and retention prunes finished jobs.
// The store actor runs on the deterministic coordinator (flaky_store does
// not block).

#include "flaky_fixture.hpp"

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

using code = request_error::code_type;

using durable_fixture = flaky_fixture;

} // namespace

TEST_CASE("an attempt starts only after its processing row is durable",
          "[supervisor][durability]") {
  durable_fixture f;
  f.handle("email", with_policy(exact_policy(3)));
  std::vector<std::string> seen_by_handler;
  f.log->script = [&](const job& r) {
    auto stored = f.durable(r.id);
    seen_by_handler.push_back(
        stored ? std::string(to_string(stored->state)) + "/" +
                     std::to_string(stored->attempt)
               : "absent");
    if (r.attempt == 1)
      return std::optional<job_result>{job_error::transient("busy", "try later")};
    return std::optional<job_result>{job_output{"sent"}};
  };
  f.start();
  auto id = f.enqueue(spec_of("email"));
  f.advance(1s);
  CHECK(seen_by_handler == std::vector<std::string>{"processing/1",
                                                     "processing/2"});
  auto stored = f.durable(id);
  REQUIRE(stored);
  CHECK(stored->state == job_state::completed);
  CHECK(stored->output == "sent");
  REQUIRE(stored->errors.size() == 1);
  CHECK(stored->errors.front().error.code == "busy");
}

TEST_CASE("an enqueue is answered only once its job is durable",
          "[supervisor][durability]") {
  durable_fixture f;
  f.handle("email");
  f.log->script = [](const job&) { return std::optional<job_result>{}; };
  f.start();
  caf::scoped_actor self{f.sys};
  auto pending = self->request(f.supervisor, caf::infinite,
                               atoms::enqueue::value,
                               job_specs{spec_of("email")});
  // Deliver the enqueue to the supervisor only: its commit is not written.
  REQUIRE(f.sched.try_run_once());
  CHECK(f.flaky->durable.size() == 0);
  f.run();
  std::optional<job_id> id;
  pending.receive(
      [&](enqueue_results& r) {
        REQUIRE(r.front());
        id = r.front().value().id;
      },
      [&](caf::error& e) { FAIL(f.sys.render(e)); });
  REQUIRE(id);
  CHECK(f.durable(*id).has_value());
}

TEST_CASE("turns that arrive during a commit are written together",
          "[supervisor][durability]") {
  durable_fixture f;
  f.handle("email");
  f.log->script = [](const job&) { return std::optional<job_result>{}; };
  f.start();
  caf::scoped_actor self{f.sys};
  constexpr int turns = 20;
  for (int i = 0; i < turns; ++i)
    self->send(f.supervisor, atoms::enqueue::value, job_specs{spec_of("email")});
  // The supervisor takes all 20 turns before the store actor runs, as it
  // would while the store is busy writing.
  for (int i = 0; i < turns; ++i) {
    REQUIRE(f.sched.prioritize(f.supervisor));
    f.sched.run_once();
  }
  f.run();
  auto stats = f.ask<store_stats>(atoms::stats::value, atoms::commit::value);
  CHECK(f.flaky->durable.size() == turns);
  // The 20 enqueue turns reach the store actor before its first flush.
  CHECK(stats.max_turns_per_transaction >= turns);
  CHECK(stats.max_rows_per_transaction >= turns);
  CHECK(stats.transactions < stats.turns);
  CHECK(stats.failures == 0);
}

TEST_CASE("a failed commit refuses the enqueue and keeps nothing of it",
          "[supervisor][durability]") {
  durable_fixture f;
  f.handle("email");
  f.start();
  auto kept = f.enqueue(spec_of("email"));
  f.flaky->fail_next(1);
  auto with_key = spec_of("email");
  with_key.unique_key = "order-7";
  auto results = f.ask<enqueue_results>(atoms::enqueue::value,
                                        job_specs{with_key, spec_of("email")});
  REQUIRE(results.size() == 2);
  for (const auto& r : results) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == code::store_failure);
  }
  CHECK(f.flaky->durable.size() == 1);
  CHECK(f.stats().jobs[static_cast<std::size_t>(job_state::pending)] == 0);
  // The refused ids are unknown, and the unique key is free again.
  auto refused_id = kept + 1;
  auto gone = f.get_reply(refused_id);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == code::not_found);
  auto again = f.ask<enqueue_results>(atoms::enqueue::value, job_specs{with_key});
  REQUIRE(again.front());
  CHECK_FALSE(again.front().value().existing);
  f.advance(1s);
  CHECK(f.get(kept).state == job_state::completed);
  CHECK(f.get(again.front().value().id).state == job_state::completed);
}

TEST_CASE("after failed commits the runtime holds its effects, retries, and "
          "loses nothing",
          "[supervisor][durability]") {
  durable_fixture f;
  f.handle("email");
  std::vector<std::string> seen_by_handler;
  f.log->script = [&](const job& r) {
    auto stored = f.durable(r.id);
    seen_by_handler.push_back(stored ? std::string(to_string(stored->state))
                                     : "absent");
    return std::optional<job_result>{job_output{}};
  };
  f.start();
  // The enqueue (written once, already processing) is durable; the
  // completion's commit and the next two retries fail, as on a full disk.
  f.flaky->fail_next(3, 1);
  auto id = f.enqueue(spec_of("email"));
  CHECK(seen_by_handler == std::vector<std::string>{"processing"});
  CHECK(f.durable(id)->state == job_state::processing);
  CHECK(f.stats().store_failure);
  f.advance(10s);
  CHECK(f.flaky->failures_left == 0);
  CHECK(seen_by_handler == std::vector<std::string>{"processing"});
  CHECK(f.durable(id)->state == job_state::completed);
  CHECK(f.get(id).attempt == 1);
  CHECK_FALSE(f.stats().store_failure);
}

TEST_CASE("a payload over the store's limit is refused as too_large",
          "[supervisor][durability]") {
  durable_fixture f;
  f.flaky->limit = 16;
  f.handle("email");
  f.start();
  auto big = spec_of("email");
  big.payload = std::string(17, 'x');
  auto fits = spec_of("email");
  fits.payload = std::string(16, 'x');
  auto results = f.ask<enqueue_results>(atoms::enqueue::value,
                                        job_specs{big, fits});
  REQUIRE_FALSE(results[0]);
  CHECK(results[0].error().code == code::too_large);
  CHECK(results[1]);
  CHECK(f.flaky->durable.size() == 1);
}

TEST_CASE("retention prunes finished jobs by age and keeps dead ones",
          "[supervisor][retention]") {
  durable_fixture f;
  f.retention.completed = 1h;
  f.retention.interval = 10min;
  f.handle("email", with_policy(exact_policy(1)));
  f.log->script = [](const job& r) {
    if (r.payload == "fail")
      return std::optional<job_result>{job_error::permanent("bad", "no")};
    return std::optional<job_result>{job_output{}};
  };
  f.start();
  auto done = f.enqueue(spec_of("email"));
  auto failing = spec_of("email");
  failing.payload = "fail";
  auto dead = f.enqueue(failing);
  f.run();
  CHECK(f.get(done).state == job_state::completed);
  f.advance(50min);
  CHECK(f.durable(done).has_value());
  f.advance(20min);
  CHECK_FALSE(f.durable(done).has_value());
  CHECK_FALSE(f.get_reply(done));
  CHECK(f.durable(dead)->state == job_state::dead);
  CHECK(f.stats().outcomes.pruned == 1);
}

TEST_CASE("recovery fails the attempts that were running as abandoned and "
          "resumes the rest",
          "[supervisor][durability]") {
  durable_fixture f;
  f.handle("email", with_policy(exact_policy(3)));
  auto t0 = f.clock->now();
  auto stored = [&](job_id, job_state state, std::int32_t attempt,
                    time_point run_at) {
    job r;
    r.type = "email";
    r.breaker_key = "email";
    r.state = state;
    r.attempt = attempt;
    r.max_attempts = 3;
    r.run_at = run_at;
    r.created_at = r.updated_at = t0;
    return r;
  };
  // As a previous owner left them: ids 1 to 4 in order.
  store_batch before_crash;
  before_crash.inserts = {stored(1, job_state::processing, 1, t0),
                          stored(2, job_state::processing, 3, t0),
                          stored(3, job_state::retrying, 1, t0 + 5s),
                          stored(4, job_state::pending, 0, t0)};
  REQUIRE(f.flaky->durable.commit(before_crash));
  f.start();
  auto one = f.durable(1);
  REQUIRE(one);
  CHECK(one->state == job_state::retrying);
  REQUIRE(one->errors.size() == 1);
  CHECK(one->errors.front().error.kind == error_kind::abandoned);
  CHECK(f.durable(2)->state == job_state::dead);
  CHECK(f.durable(4)->state == job_state::completed);
  CHECK(f.log->runs_of(3) == 0);
  f.advance(6s);
  CHECK(f.durable(3)->state == job_state::completed);
  CHECK(f.durable(1)->state == job_state::completed);
  CHECK(f.durable(1)->attempt == 2);
}

TEST_CASE("a shutdown while a claim is on its way gives the claimed jobs "
          "back, none left processing",
          "[supervisor][durability]") {
  durable_fixture f;
  f.handle("email");
  store_batch backlog;
  for (int i = 0; i < 5; ++i) {
    job j;
    j.type = "email";
    j.breaker_key = "email";
    j.run_at = j.created_at = j.updated_at = f.clock->now();
    backlog.inserts.push_back(j);
  }
  REQUIRE(f.flaky->durable.commit(backlog));
  f.run_at_start = false;
  f.start();
  // The supervisor's first turn (at spawn) has sent its claim to the store
  // actor; the shutdown reaches the supervisor before the claim's answer.
  caf::scoped_actor self{f.sys};
  auto report = self->request(f.supervisor, caf::infinite,
                              atoms::shutdown::value, duration{0});
  REQUIRE(f.sched.prioritize(f.supervisor));
  f.sched.run_once(); // the shutdown
  f.run();
  std::optional<shutdown_report> answer;
  report.receive([&](shutdown_report& r) { answer = r; },
                 [&](caf::error& e) { FAIL(f.sys.render(e)); });
  REQUIRE(answer);
  CHECK(f.log->runs.empty());
  for (job_id id = 1; id <= 5; ++id) {
    auto stored = f.durable(id);
    REQUIRE(stored);
    CHECK(stored->state == job_state::pending);
    CHECK(stored->attempt == 0);
    CHECK(stored->errors.empty());
  }
}
