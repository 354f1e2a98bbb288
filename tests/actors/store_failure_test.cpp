// What the supervisor does when the store cannot commit: a record that the
// store refuses is set aside so the rest keeps flowing (it used to be
// written again every 5 s forever, with every later request behind it), and
// while the store fails for everyone (a full disk) requests are answered at
// once with the cause instead of waiting out the request timeout.

#include "flaky_fixture.hpp"

#include <caf/scoped_actor.hpp>

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

using code = request_error::code_type;

struct failing_store_fixture : flaky_fixture {
  /// The reply to a request if one came without simulated time passing.
  template <class Reply, class... Ts>
  std::optional<Reply> answer_at_once(Ts&&... xs) {
    // A plain send: the answer arrives as an ordinary message, which a
    // receive with a zero timeout can look for without blocking.
    caf::scoped_actor self{sys};
    self->send(supervisor, std::forward<Ts>(xs)...);
    run();
    std::optional<Reply> reply;
    self->receive([&](Reply& r) { reply.emplace(std::move(r)); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return reply;
  }
};

} // namespace

TEST_CASE("a record the store refuses is set aside and the rest is written",
          "[supervisor][durability]") {
  failing_store_fixture f;
  f.handle("email");
  f.flaky->refuse_record = [](const job& r) {
    return r.id == 2 && r.state == job_state::completed;
  };
  f.start();
  auto results = f.ask<enqueue_results>(
      atoms::enqueue::value, job_specs{spec_of("email"), spec_of("email")});
  REQUIRE(results.size() == 2);
  REQUIRE(results[0]);
  REQUIRE(results[1]);
  f.run();
  // Job 1's completion shared a transaction with job 2's; it was written
  // without job 2's.
  CHECK(f.flaky->durable.find(1)->state == job_state::completed);
  CHECK(f.log->runs_of(1) == 1);
  // Job 2 ran once; its completion is not durable. The store keeps its last
  // written state, and the runtime reports it.
  CHECK(f.log->runs_of(2) == 1);
  CHECK(f.flaky->durable.find(2)->state == job_state::processing);
  auto stats = f.stats();
  CHECK(stats.outcomes.quarantined == 1);
  CHECK_FALSE(stats.store_failure);
  // The pipeline goes on: later work is written and runs at once.
  auto later = f.enqueue(spec_of("email"));
  CHECK(f.flaky->durable.find(later)->state == job_state::completed);
  auto refused = f.change(atoms::requeue::value, job_id{2});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == code::store_failure);
}

TEST_CASE("a new job the store refuses is refused to its caller, the others "
          "of the batch are stored",
          "[supervisor][durability]") {
  failing_store_fixture f;
  f.handle("email");
  auto big = spec_of("email");
  big.payload = "refuse me";
  f.flaky->refuse_record = [](const job& r) { return r.payload == "refuse me"; };
  f.start();
  auto results = f.ask<enqueue_results>(atoms::enqueue::value,
                                        job_specs{spec_of("email"), big});
  REQUIRE(results.size() == 2);
  REQUIRE(results[0]);
  REQUIRE_FALSE(results[1]);
  CHECK(results[1].error().code == code::store_failure);
  CHECK(results[1].error().message.find("too large") != std::string::npos);
  // The batch's other job is stored and runs, and nothing is stuck.
  CHECK(f.flaky->durable.find(results[0].value().id)->state ==
        job_state::completed);
  auto again = f.enqueue(spec_of("email"));
  CHECK(f.flaky->durable.find(again)->state == job_state::completed);
  CHECK_FALSE(f.stats().store_failure);
}

TEST_CASE("while the store cannot commit, requests are answered at once "
          "with the cause",
          "[supervisor][durability]") {
  failing_store_fixture f;
  f.handle("email");
  f.log->script = [](const job&) { return std::optional<job_result>{}; };
  f.start();
  auto held = f.enqueue(spec_of("email"));
  // The completion's write fails: the supervisor is degraded.
  f.flaky->fail_next(1000);
  f.reply_late(held, 1, job_output{"sent"});

  auto enqueued = f.answer_at_once<enqueue_results>(
      atoms::enqueue::value, job_specs{spec_of("email")});
  REQUIRE(enqueued);
  REQUIRE_FALSE(enqueued->front());
  CHECK(enqueued->front().error().code == code::store_failure);
  CHECK(enqueued->front().error().message.find("the database is full") !=
        std::string::npos);

  // Reads come from the store: they show what is durable.
  CHECK(f.get(held).state == job_state::processing);

  auto cancelled = f.answer_at_once<job_reply>(atoms::cancel::value, held,
                                               stored_job{f.get(held)});
  REQUIRE(cancelled);
  REQUIRE_FALSE(*cancelled);
  CHECK(cancelled->error().code == code::store_failure);

  auto stats = f.answer_at_once<runtime_stats>(atoms::stats::value);
  REQUIRE(stats);
  REQUIRE(stats->store_failure);
  CHECK(stats->store_failure->find("full") != std::string::npos);

  // The disk has room again: the completion is written, nothing was lost,
  // and requests work as before.
  f.flaky->fail_next(0);
  f.advance(10s);
  CHECK(f.flaky->durable.find(held)->state == job_state::completed);
  CHECK_FALSE(f.stats().store_failure);
  auto after = f.ask<enqueue_results>(atoms::enqueue::value,
                                      job_specs{spec_of("email")});
  CHECK(after.front());
}

TEST_CASE("a failure message of any size is cut to its bound before it is "
          "stored",
          "[supervisor][durability]") {
  failing_store_fixture f;
  f.handle("email", with_policy(exact_policy(3)));
  std::string huge(3 << 20, 'x');
  f.log->script = [&](const job&) {
    return std::optional<job_result>{job_error::transient(
        std::string(1000, 'c'), huge)};
  };
  f.start();
  auto id = f.enqueue(spec_of("email"));
  auto stored = f.flaky->durable.find(id);
  REQUIRE(stored);
  REQUIRE(stored->errors.size() == 1);
  const auto& e = stored->errors.front().error;
  CHECK(e.code.size() == max_error_code_bytes);
  CHECK(e.message.size() <= max_error_message_bytes);
  CHECK(e.message.find("bytes cut]") != std::string::npos);
}

TEST_CASE("a pending job whose run_at lies ahead of the clock is armed, "
          "not dropped",
          "[supervisor][timer]") {
  // The wall clock stepped back between two runs: a job written as pending
  // with run_at "now" is an hour in the future for the new run.
  supervisor_fixture f;
  f.handle("email");
  job ahead;
  ahead.type = "email";
  ahead.breaker_key = "email";
  ahead.state = job_state::pending;
  ahead.run_at = test_epoch + 1h;
  ahead.created_at = ahead.updated_at = test_epoch + 1h;
  store_batch seed;
  seed.inserts.push_back(ahead); // id 1
  REQUIRE(f.store->commit(seed));
  f.start();
  CHECK(f.log->runs_of(1) == 0);
  CHECK(f.get(1).state == job_state::pending);
  f.advance(59min);
  CHECK(f.log->runs_of(1) == 0);
  f.advance(1min);
  CHECK(f.log->runs_of(1) == 1);
  CHECK(f.get(1).state == job_state::completed);
}
