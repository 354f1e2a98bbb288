#include "jobrt/actors/timer.hpp"

#include "actors/deterministic_system.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

using namespace jobrt;
using namespace std::chrono_literals;

namespace {

/// One `fired` message as a listener saw it.
struct firing {
  time_point at;
  std::vector<std::uint64_t> ids;
};

using firings = std::vector<firing>;

deadline_listener::behavior_type
recorder(deadline_listener::pointer, firings* out,
         std::shared_ptr<const actor_system_clock> clock) {
  return {[=](atoms::fired, std::vector<std::uint64_t> ids) {
    out->push_back({clock->now(), std::move(ids)});
  }};
}

deadline_key job(std::uint64_t id) {
  return make_deadline_key(deadline_kind::job, id);
}

deadline_key breaker(std::uint64_t id) {
  return make_deadline_key(deadline_kind::breaker_cooldown, id);
}

deadline_command at(deadline_key key, time_point when) { return {key, when}; }

deadline_command cancel(deadline_key key) { return {key, std::nullopt}; }

std::vector<std::uint64_t> ids(const firings& fs) {
  std::vector<std::uint64_t> all;
  for (const auto& f : fs)
    all.insert(all.end(), f.ids.begin(), f.ids.end());
  return all;
}

struct timer_fixture {
  timer_fixture() {
    caf::anon_send(timer, atoms::listen::value, deadline_kind::job,
                   job_listener);
    caf::anon_send(timer, atoms::listen::value, deadline_kind::breaker_cooldown,
                   breaker_listener);
    fx.run();
  }

  ~timer_fixture() {
    caf::anon_send_exit(timer, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(job_listener, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(breaker_listener, caf::exit_reason::user_shutdown);
    fx.run();
  }

  void send(deadline_commands commands) {
    caf::anon_send(timer, std::move(commands));
    fx.run();
  }

  time_point in(duration d) const { return start + d; }

  timer_stats stats() {
    caf::scoped_actor self{fx.sys};
    auto handle = self->request(timer, caf::infinite, atoms::stats::value);
    fx.run();
    timer_stats result;
    handle.receive([&](const timer_stats& s) { result = s; },
                   [&](const caf::error&) { FAIL("stats request failed"); });
    return result;
  }

  std::size_t delayed_messages() { return fx.sched.clock().schedule().size(); }

  testing::deterministic_system fx;
  time_point start = fx.now();
  firings jobs;
  firings breakers;
  timer_actor timer = spawn_timer(fx.sys, fx.clock);
  deadline_listener job_listener = fx.sys.spawn(recorder, &jobs, fx.clock);
  deadline_listener breaker_listener =
      fx.sys.spawn(recorder, &breakers, fx.clock);
};

} // namespace

TEST_CASE_METHOD(timer_fixture,
                 "timer: a deadline fires at its instant, not 1 ms before",
                 "[timer]") {
  send({at(job(1), in(100ms))});
  CHECK(delayed_messages() == 1);
  fx.advance(99ms);
  CHECK(jobs.empty());
  fx.advance(1ms);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].at == in(100ms));
  CHECK(jobs[0].ids == std::vector<std::uint64_t>{1});
  CHECK(breakers.empty());
  CHECK(delayed_messages() == 0);
}

TEST_CASE_METHOD(
    timer_fixture,
    "timer: deadlines due in one tick reach each kind's listener in one "
    "message, in deadline order",
    "[timer]") {
  send({at(job(3), in(50ms)), at(job(1), in(30ms)), at(breaker(7), in(35ms)),
        at(job(2), in(40ms)), at(breaker(5), in(35ms)), at(job(9), in(51ms))});
  fx.jump(50ms); // one step: the tick armed for 30 ms arrives at 50 ms
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].ids == std::vector<std::uint64_t>{1, 2, 3});
  REQUIRE(breakers.size() == 1);
  CHECK(breakers[0].ids == std::vector<std::uint64_t>{5, 7});
  fx.advance(1ms);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[1].ids == std::vector<std::uint64_t>{9});
  CHECK(jobs[1].at == in(51ms));
}

TEST_CASE_METHOD(timer_fixture, "timer: a cancelled deadline does not fire",
                 "[timer]") {
  send({at(job(1), in(10ms)), at(job(2), in(20ms)), at(breaker(1), in(15ms))});
  send({cancel(job(1)), cancel(job(99))});
  send({cancel(breaker(1))});
  fx.advance(30ms);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].ids == std::vector<std::uint64_t>{2});
  CHECK(breakers.empty());
  while (fx.advance_to_next()) {
  }
  CHECK(ids(jobs) == std::vector<std::uint64_t>{2});
}

TEST_CASE_METHOD(
    timer_fixture,
    "timer: moving a deadline earlier re-arms and fires it on time",
    "[timer]") {
  send({at(job(1), in(1000ms))});
  send({at(job(1), in(10ms))});
  CHECK(delayed_messages() == 2); // the superseded tick stays in CAF's clock
  fx.advance(9ms);
  CHECK(jobs.empty());
  fx.advance(1ms);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].at == in(10ms));
  fx.advance(2000ms); // the stale tick arrives and is ignored
  CHECK(jobs.size() == 1);
  CHECK(delayed_messages() == 0);
}

TEST_CASE_METHOD(
    timer_fixture,
    "timer: moving a deadline later fires it only at the new instant",
    "[timer]") {
  send({at(job(1), in(10ms))});
  send({at(job(1), in(500ms))});
  CHECK(delayed_messages() == 1); // the armed tick is early, not replaced
  fx.advance(10ms);
  CHECK(jobs.empty());
  CHECK(delayed_messages() == 1); // the early tick re-armed
  fx.advance(489ms);
  CHECK(jobs.empty());
  fx.advance(1ms);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].at == in(500ms));
}

TEST_CASE_METHOD(timer_fixture, "timer: a past deadline fires on the next run",
                 "[timer]") {
  send({at(job(4), in(-1000ms)), at(job(3), in(0ms))});
  REQUIRE(jobs.size() == 1); // no simulated time passed
  CHECK(jobs[0].ids == std::vector<std::uint64_t>{4, 3});
  CHECK(delayed_messages() == 0);
}

TEST_CASE_METHOD(timer_fixture, "timer: a later listen replaces the listener",
                 "[timer]") {
  firings others;
  auto other = fx.sys.spawn(recorder, &others, fx.clock);
  caf::anon_send(timer, atoms::listen::value, deadline_kind::job,
                 deadline_listener{other});
  send({at(job(1), in(5ms))});
  fx.advance(5ms);
  CHECK(jobs.empty());
  CHECK(ids(others) == std::vector<std::uint64_t>{1});
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  fx.run();
}

TEST_CASE("timer: a kind without a listener is dropped and counted",
          "[timer]") {
  testing::deterministic_system fx;
  auto timer = spawn_timer(fx.sys, fx.clock);
  caf::anon_send(timer, deadline_commands{at(breaker(1), fx.now() + 5ms)});
  fx.run();
  fx.advance(5ms);
  caf::scoped_actor self{fx.sys};
  auto handle = self->request(timer, caf::infinite, atoms::stats::value);
  fx.run();
  handle.receive(
      [&](const timer_stats& s) {
        CHECK(s.armed == 0);
        CHECK(s.fired == 1);
      },
      [&](const caf::error&) { FAIL("stats request failed"); });
  caf::anon_send_exit(timer, caf::exit_reason::user_shutdown);
  fx.run();
}

TEST_CASE_METHOD(timer_fixture,
                 "timer: stats count waiting and fired deadlines", "[timer]") {
  auto empty = stats();
  CHECK(empty.armed == 0);
  CHECK(empty.fired == 0);
  send({at(job(1), in(10ms)), at(job(2), in(20ms)), at(breaker(3), in(30ms))});
  auto waiting = stats();
  CHECK(waiting.armed == 3);
  CHECK(waiting.fired == 0);
  CHECK(waiting.memory_bytes >= 3 * 16);
  fx.advance(20ms);
  auto later = stats();
  CHECK(later.armed == 1);
  CHECK(later.fired == 2);
}

// Random batches of schedules, moves and cancels while simulated time moves
// on in uneven steps: every surviving deadline fires once, never early, and
// superseded ticks do not pile up in CAF's clock.
TEST_CASE_METHOD(
    timer_fixture,
    "timer: 10,000 deadlines fire exactly once with few delayed messages",
    "[timer]") {
  std::mt19937_64 random{7};
  std::map<std::uint64_t, time_point> expected; // id → instant, jobs only
  std::map<std::uint64_t, time_point> pending;  // not yet due at last step
  std::uint64_t next_id = 0;
  std::size_t most_delayed = 0;

  for (int round = 0; round < 100; ++round) {
    deadline_commands batch;
    for (int i = 0; i < 100; ++i) {
      auto id = next_id++;
      auto when = fx.now() + duration(random() % 2000);
      batch.push_back(at(job(id), when));
      expected[id] = when;
    }
    for (int i = 0; i < 10 && !expected.empty(); ++i) {
      // Move or cancel a deadline that has not fired yet (moves also hit
      // ones added in this batch).
      auto pick = std::next(expected.begin(),
                            static_cast<long>(random() % expected.size()));
      if (pick->second <= fx.now())
        continue;
      if (i % 3 == 0) {
        batch.push_back(cancel(job(pick->first)));
        expected.erase(pick);
      } else {
        pick->second = fx.now() + duration(random() % 2000);
        batch.push_back(at(job(pick->first), pick->second));
      }
    }
    send(std::move(batch));
    most_delayed = std::max(most_delayed, delayed_messages());
    fx.advance(duration(random() % 40));
    most_delayed = std::max(most_delayed, delayed_messages());
  }
  while (fx.advance_to_next())
    most_delayed = std::max(most_delayed, delayed_messages());

  std::map<std::uint64_t, int> times_fired;
  for (const auto& f : jobs) {
    for (auto id : f.ids) {
      ++times_fired[id];
      auto it = expected.find(id);
      REQUIRE(it != expected.end()); // never a cancelled one
      REQUIRE(f.at >= it->second);   // never early
    }
  }
  CHECK(times_fired.size() == expected.size());
  CHECK(std::all_of(times_fired.begin(), times_fired.end(),
                    [](const auto& entry) { return entry.second == 1; }));
  // Each batch supersedes at most the armed tick, and a superseded tick
  // leaves the clock at its instant: only a handful are ever outstanding.
  CHECK(most_delayed <= 4); // 3 observed
  auto final_stats = stats();
  CHECK(final_stats.armed == 0);
  CHECK(final_stats.fired == expected.size());
  CHECK(delayed_messages() == 0);
}
