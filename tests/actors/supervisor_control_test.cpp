// What callers and operators do to jobs: enqueue refusals and unique keys,
// concurrency limits, cancel in every state, requeue, purge, listing, and
// graceful shutdown.

#include "supervisor_fixture.hpp"

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

using code = request_error::code_type;

/// Holds every attempt until the test answers it.
void hold_all(supervisor_fixture& f) {
  f.log->script = [](const job&) { return std::optional<job_result>{}; };
}

request_error refusal_of(const job_reply& reply) {
  REQUIRE_FALSE(reply);
  return reply.error();
}

} // namespace

TEST_CASE("enqueue refuses unknown types and malformed specs with typed "
          "errors",
          "[supervisor][enqueue]") {
  supervisor_fixture f;
  f.handle("email");
  f.start();
  auto bad = spec_of("email");
  bad.priority = 99;
  auto results = f.ask<enqueue_results>(
      atoms::enqueue::value, job_specs{spec_of("sms"), bad, spec_of("email")});
  REQUIRE(results.size() == 3);
  REQUIRE_FALSE(results[0]);
  CHECK(results[0].error().code == code::unknown_job_type);
  CHECK(results[0].error().message.find("'sms'") != std::string::npos);
  REQUIRE_FALSE(results[1]);
  CHECK(results[1].error().code == code::invalid_spec);
  CHECK(results[1].error().message.find("priority") != std::string::npos);
  REQUIRE(results[2]);
  CHECK(f.store->size() == 1); // the refused ones left no trace
}

TEST_CASE("a unique key returns the live job instead of a second one",
          "[supervisor][enqueue]") {
  supervisor_fixture f;
  f.handle("invoice");
  hold_all(f);
  f.start();
  auto spec = spec_of("invoice");
  spec.unique_key = "invoice-42";
  auto results =
      f.ask<enqueue_results>(atoms::enqueue::value, job_specs{spec, spec});
  REQUIRE(results[0]);
  REQUIRE(results[1]);
  CHECK_FALSE(results[0].value().existing);
  CHECK(results[1].value().existing);
  CHECK(results[1].value().id == results[0].value().id);
  auto id = results[0].value().id;
  f.reply_late(id, 1, job_output{});
  REQUIRE(f.get(id).state == job_state::completed);
  CHECK(f.enqueue(spec) != id); // a finished job frees its key
}

TEST_CASE("concurrency limits per type, per queue and in total hold",
          "[supervisor][concurrency]") {
  supervisor_fixture f;
  job_type_options two_at_a_time;
  two_at_a_time.concurrency = 2;
  f.handle("resize", two_at_a_time);
  f.handle("export");
  hold_all(f);

  SECTION("per type") {
    f.start();
    std::vector<job_id> ids;
    for (int i = 0; i < 5; ++i)
      ids.push_back(f.enqueue(spec_of("resize")));
    CHECK(f.log->runs.size() == 2);
    f.reply_late(ids[0], 1, job_output{});
    CHECK(f.log->runs.size() == 3);
    CHECK(f.stats().in_flight == 2);
  }
  SECTION("per queue") {
    f.start(64, {{"reports", 1}});
    auto spec = spec_of("export");
    spec.queue = "reports";
    auto a = f.enqueue(spec);
    f.enqueue(spec);
    f.enqueue(spec_of("export")); // default queue: not limited
    CHECK(f.log->runs.size() == 2);
    f.reply_late(a, 1, job_output{});
    CHECK(f.log->runs.size() == 3);
  }
  SECTION("in total") {
    f.start(3);
    for (int i = 0; i < 6; ++i)
      f.enqueue(spec_of("export"));
    CHECK(f.log->runs.size() == 3);
    CHECK(f.stats().count(job_state::pending) == 3);
  }
}

TEST_CASE("higher priority runs first, then the oldest",
          "[supervisor][concurrency]") {
  supervisor_fixture f;
  f.handle("t");
  hold_all(f);
  f.start(1);
  auto blocker = f.enqueue(spec_of("t"));
  auto low = f.enqueue([] { auto s = spec_of("t"); s.priority = 5; return s; }());
  auto old = f.enqueue(spec_of("t"));
  auto urgent = f.enqueue([] { auto s = spec_of("t"); s.priority = 0; return s; }());
  for (auto id : {blocker, old, urgent})
    f.reply_late(id, 1, job_output{});
  std::vector<job_id> order;
  for (const auto& r : f.log->runs)
    order.push_back(r.id);
  CHECK(order == std::vector<job_id>{blocker, old, urgent, low});
}

TEST_CASE("cancel works in every live state and is refused when terminal",
          "[supervisor][cancel]") {
  supervisor_fixture f;
  f.handle("t", with_policy(exact_policy(5, fixed_backoff{10s})));
  f.log->script = [](const job& j) -> std::optional<job_result> {
    if (j.payload == "hold")
      return std::nullopt;
    if (j.payload == "fail")
      return job_result{job_error::transient("x")};
    return job_result{job_output{}};
  };
  f.start(1);
  auto with = [](std::string payload) {
    auto s = spec_of("t");
    s.payload = std::move(payload);
    return s;
  };

  SECTION("pending") {
    auto running = f.enqueue(with("hold"));
    auto waiting = f.enqueue(with("ok"));
    auto cancelled = f.change(atoms::cancel::value, waiting);
    REQUIRE(cancelled);
    CHECK(cancelled.value().state == job_state::cancelled);
    f.reply_late(running, 1, job_output{});
    CHECK(f.log->runs_of(waiting) == 0);
  }
  SECTION("scheduled") {
    auto s = with("ok");
    s.run_at = f.now() + 1min;
    auto id = f.enqueue(s);
    REQUIRE(f.change(atoms::cancel::value, id));
    f.advance(2min);
    CHECK(f.log->runs_of(id) == 0);
    CHECK(f.get(id).state == job_state::cancelled);
  }
  SECTION("retrying") {
    auto id = f.enqueue(with("fail"));
    REQUIRE(f.get(id).state == job_state::retrying);
    REQUIRE(f.change(atoms::cancel::value, id));
    f.advance(1min);
    CHECK(f.log->runs_of(id) == 1);
    CHECK(f.get(id).state == job_state::cancelled);
  }
  SECTION("processing on a handler actor: stopped and cancelled at once") {
    auto id = f.enqueue(with("hold"));
    auto cancelled = f.change(atoms::cancel::value, id);
    REQUIRE(cancelled);
    CHECK(cancelled.value().state == job_state::cancelled);
    CHECK(cancelled.value().attempt == 0); // the stopped attempt is not counted
    CHECK(f.log->stops == std::vector<std::pair<job_id, std::int32_t>>{{id, 1}});
    f.reply_late(id, 1, job_output{}); // fenced off
    CHECK(f.get(id).state == job_state::cancelled);
    CHECK(f.stats().outcomes.cancelled == 1);
    CHECK(f.stats().outcomes.stale_replies == 1);
  }
  SECTION("terminal") {
    auto id = f.enqueue(with("ok"));
    REQUIRE(f.get(id).state == job_state::completed);
    auto e = refusal_of(f.change(atoms::cancel::value, id));
    CHECK(e.code == code::invalid_transition);
    CHECK(e.message.find("completed") != std::string::npos);
  }
  SECTION("unknown id") {
    CHECK(refusal_of(f.change(atoms::cancel::value, job_id{999})).code ==
          code::not_found);
  }
}

TEST_CASE("an operator requeues a dead job from attempt 0, history kept",
          "[supervisor][requeue]") {
  supervisor_fixture f;
  f.handle("t", with_policy(exact_policy(1)));
  bool broken = true;
  f.log->script = [&](const job&) -> std::optional<job_result> {
    if (broken)
      return job_result{job_error::transient("down")};
    return job_result{job_output{}};
  };
  f.start();
  auto id = f.enqueue(spec_of("t"));
  REQUIRE(f.get(id).state == job_state::dead);
  CHECK(refusal_of(f.change(atoms::purge::value, job_id{id + 1})).code ==
        code::not_found);

  broken = false;
  auto requeued = f.change(atoms::requeue::value, id);
  REQUIRE(requeued);
  auto j = f.get(id);
  CHECK(j.state == job_state::completed);
  CHECK(j.attempt == 1);
  CHECK(j.errors.size() == 1);
  CHECK(f.log->runs_of(id) == 2);
  CHECK(refusal_of(f.change(atoms::requeue::value, id)).code ==
        code::invalid_transition);
}

TEST_CASE("purge removes finished jobs only", "[supervisor][purge]") {
  supervisor_fixture f;
  f.handle("t");
  f.start();
  auto done = f.enqueue(spec_of("t"));
  auto s = spec_of("t");
  s.run_at = f.now() + 1h;
  auto waiting = f.enqueue(s);
  CHECK(refusal_of(f.change(atoms::purge::value, waiting)).code ==
        code::invalid_transition);
  REQUIRE(f.change(atoms::purge::value, done));
  CHECK(refusal_of(f.get_reply(done)).code ==
        code::not_found);
  CHECK_FALSE(f.store->find(done).has_value());
  CHECK(f.stats().count(job_state::completed) == 0);
}

TEST_CASE("list filters and pages by id", "[supervisor][list]") {
  supervisor_fixture f;
  f.handle("a");
  f.handle("b");
  hold_all(f);
  f.start(2);
  std::vector<job_id> ids;
  for (auto type : {"a", "b", "a", "a", "b", "a"})
    ids.push_back(f.enqueue(spec_of(type)));
  job_query q;
  q.type = "a";
  q.limit = 2;
  auto first = f.list(q).value();
  REQUIRE(first.jobs.size() == 2);
  CHECK(first.jobs[0].id == ids[0]);
  CHECK(first.jobs[1].id == ids[2]);
  REQUIRE(first.next_after);
  q.after = *first.next_after;
  auto second = f.list(q).value();
  REQUIRE(second.jobs.size() == 2);
  CHECK(second.jobs[0].id == ids[3]);
  CHECK(second.jobs[1].id == ids[5]);
  CHECK_FALSE(second.next_after);

  job_query pending;
  pending.state = job_state::pending;
  CHECK(f.list(pending).value().jobs.size() == 4);
}

TEST_CASE("graceful shutdown waits out the grace, then gives attempts back",
          "[supervisor][shutdown]") {
  supervisor_fixture f;
  f.handle("t");
  hold_all(f);
  f.start(2);
  auto quick = f.enqueue(spec_of("t"));
  auto stuck = f.enqueue(spec_of("t"));
  auto waiting = f.enqueue(spec_of("t"));

  caf::scoped_actor self{f.sys};
  auto done = self->request(f.supervisor, caf::infinite, atoms::shutdown::value,
                            duration{10s});
  f.run();
  f.reply_late(quick, 1, job_output{}); // ends within the grace
  auto late = f.ask<enqueue_results>(atoms::enqueue::value,
                                     job_specs{spec_of("t")});
  REQUIRE_FALSE(late[0]);
  CHECK(late[0].error().code == code::shutting_down);

  f.advance(10s);
  std::optional<shutdown_report> report;
  done.receive([&](shutdown_report& r) { report = r; },
               [&](caf::error& e) { FAIL(f.sys.render(e)); });
  REQUIRE(report);
  CHECK(report->finished_in_grace == 1);
  CHECK(report->released == 1);
  CHECK(f.get(quick).state == job_state::completed);
  auto released = f.get(stuck);
  CHECK(released.state == job_state::pending);
  CHECK(released.attempt == 0); // the released attempt does not count
  CHECK(f.store->find(stuck)->state == job_state::pending);
  CHECK(f.log->runs_of(waiting) == 0); // nothing dispatched while draining
  CHECK(std::count(f.log->stops.begin(), f.log->stops.end(),
                   std::pair<job_id, std::int32_t>{stuck, 1}) == 1);
}
