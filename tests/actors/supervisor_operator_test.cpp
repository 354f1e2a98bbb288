// What an operator changes in the store while the supervisor runs (jobctl
// beside a running runtime): a cancel command for a running attempt, taken
// at the next poll; a requeue, claimed at the next poll; and a change to a
// job the supervisor holds, found by the refusal of its next write. The
// operator is played by the test, committing to the store as jobctl does.

#include "flaky_fixture.hpp"
#include "supervisor_fixture.hpp"

#include "jobrt/actors/transitions.hpp"

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

using stop_log = std::vector<std::pair<job_id, std::int32_t>>;

store_receipt commit_to(job_store& store, store_batch batch) {
  auto receipt = store.commit(batch);
  REQUIRE(receipt);
  return std::move(receipt).value();
}

void post_cancel(job_store& store, job_id id, time_point at) {
  store_batch batch;
  batch.post_commands.push_back(
      operator_command{id, operator_command::kind_type::cancel, at});
  commit_to(store, std::move(batch));
}

/// A change as jobctl makes it: decided on the stored record and fenced on
/// it; the store must accept it.
void operator_change(job_store& store, job_id id, const job_event& event,
                     time_point at) {
  auto found = store.reader()->find(id);
  REQUIRE(found);
  REQUIRE(found.value());
  auto next = apply_event(*found.value(), event, at);
  REQUIRE(next);
  store_batch batch;
  batch.writes.push_back(
      job_write{next.value(), job_fence::of(*found.value())});
  CHECK(commit_to(store, std::move(batch)).refused.empty());
}

/// The commands still waiting in `store` (taking them).
std::vector<operator_command> left_in(job_store& store) {
  store_batch batch;
  batch.take_commands = true;
  return commit_to(store, std::move(batch)).commands;
}

job_spec held_spec() {
  auto s = spec_of("t");
  s.payload = "hold";
  return s;
}

void hold_attempts_with_payload_hold(supervisor_fixture& f) {
  f.log->script = [](const job& j) -> std::optional<job_result> {
    if (j.payload == "hold")
      return std::nullopt;
    return job_result{job_output{}};
  };
}

} // namespace

TEST_CASE("an operator's cancel of a running attempt is taken at the next "
          "poll and stops it",
          "[supervisor][operator]") {
  supervisor_fixture f;
  f.handle("t");
  hold_attempts_with_payload_hold(f);
  f.start();
  auto id = f.enqueue(held_spec());
  REQUIRE(f.get(id).state == job_state::processing);

  post_cancel(*f.store, id, f.now());
  f.advance(999ms); // the poll comes 1 s after the start
  CHECK(f.log->stops.empty());
  CHECK(f.get(id).state == job_state::processing);
  f.advance(1ms);
  CHECK(f.log->stops == stop_log{{id, 1}});
  // A handler actor's attempt ends at once, as with the runtime's cancel.
  auto after = f.get(id);
  CHECK(after.state == job_state::cancelled);
  CHECK(after.attempt == 0);
  f.advance(3s); // later polls find nothing more to do
  CHECK(f.log->stops.size() == 1);
  CHECK(f.stats().outcomes.cancelled == 1);
  CHECK(left_in(*f.store).empty());
}

TEST_CASE("an operator's cancel reaches a callable handler's job_context",
          "[supervisor][operator]") {
  supervisor_fixture f;
  f.with_manual_pool(1);
  bool saw_stop = false;
  f.handle_callable("work", [&](job_context& ctx) -> job_result {
    // Works for 2 s of simulated time, through the poll at 1 s.
    f.advance(2s);
    saw_stop = ctx.stop_requested();
    return job_output{"finished anyway"};
  });
  f.start();
  auto id = f.enqueue(spec_of("work"));
  REQUIRE(f.get(id).state == job_state::processing);
  post_cancel(*f.store, id, f.now());
  REQUIRE(f.pool->run_queued(1) == 1);
  f.run();
  CHECK(saw_stop);
  // The request wins over the result the handler returned regardless.
  CHECK(f.get(id).state == job_state::cancelled);
  CHECK(f.stats().in_flight == 0);
}

TEST_CASE("an operator's command for a job the supervisor does not hold is "
          "taken and ignored",
          "[supervisor][operator]") {
  supervisor_fixture f;
  f.handle("t");
  f.start();
  auto done = f.enqueue(spec_of("t"));
  REQUIRE(f.get(done).state == job_state::completed);
  post_cancel(*f.store, done, f.now());
  post_cancel(*f.store, job_id{999}, f.now());
  f.advance(1s);
  CHECK(f.get(done).state == job_state::completed);
  CHECK(f.stats().outcomes.cancelled == 0);
  CHECK(left_in(*f.store).empty());
}

TEST_CASE("a take of commands lost with a failed commit is asked again",
          "[supervisor][operator]") {
  flaky_fixture f;
  f.handle("t");
  hold_attempts_with_payload_hold(f);
  f.start();
  auto id = f.enqueue(held_spec());
  post_cancel(f.flaky->durable, id, f.now());
  f.flaky->fail_next(1); // the poll's commit at 1 s
  f.advance(2s);
  CHECK(f.flaky->failures_left == 0);
  // Rolled back, the command stayed in the store, and was asked for again.
  CHECK(f.log->stops == stop_log{{id, 1}});
  CHECK(f.durable(id)->state == job_state::cancelled);
  CHECK(left_in(f.flaky->durable).empty());
}

TEST_CASE("a job an operator requeued in the store is claimed at the next "
          "poll",
          "[supervisor][operator]") {
  supervisor_fixture f;
  f.handle("t");
  // Dead before this runtime started: it lives only in the store.
  auto dead = make_job(spec_of("t"), 0, job_defaults{1, 30s}, f.now());
  dead.state = job_state::dead;
  dead.attempt = 1;
  dead.finished_at = f.now();
  dead.errors = {attempt_error{1, job_error::transient("down"), f.now()}};
  store_batch insert;
  insert.inserts = {dead};
  auto id = commit_to(*f.store, std::move(insert)).inserted.at(0).id;
  f.start();

  operator_change(*f.store, id, events::requeue{}, f.now());
  f.run();
  CHECK(f.log->runs_of(id) == 0); // nobody told the supervisor
  f.advance(1s);
  CHECK(f.log->runs_of(id) == 1);
  auto after = f.get(id);
  CHECK(after.state == job_state::completed);
  CHECK(after.attempt == 1);
  CHECK(after.errors.size() == 1);
}

TEST_CASE("a held job an operator cancelled in the store never runs, and "
          "frees its slot",
          "[supervisor][operator]") {
  supervisor_fixture f;
  f.with_manual_pool(1);
  std::vector<job_id> ran;
  f.handle_callable("work", [&](job_context& ctx) -> job_result {
    ran.push_back(ctx.id());
    return job_output{};
  });
  f.start(/*max_in_flight=*/1);
  auto later = spec_of("work");
  later.run_at = f.now() + 10s; // within the horizon: held, armed
  auto id = f.enqueue(later);
  REQUIRE(f.get(id).state == job_state::scheduled);

  operator_change(*f.store, id, events::cancel{}, f.now());
  f.advance(10s); // due: its dispatch is written and refused
  CHECK(f.pool->queued() == 0);
  CHECK(f.get(id).state == job_state::cancelled);
  CHECK(f.stats().in_flight == 0);

  // The one slot is free: the next job runs.
  auto next = f.enqueue(spec_of("work"));
  CHECK(f.pool->run_queued() == 1);
  f.run();
  CHECK(f.get(next).state == job_state::completed);
  CHECK(ran == std::vector<job_id>{next});
}
