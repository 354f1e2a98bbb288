// The embedding API on the real scheduler and real worker threads:
// callable handlers, escaped exceptions, refusals, subscriptions, attempt
// timeouts of blocking handlers, and shutdown.

#include "event_recorder.hpp"
#include "quiet_runtime.hpp"
#include "thread_flag.hpp"

#include "jobrt/actors/runtime.hpp"
#include "jobrt/persistence/memory_store.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

job_spec spec_of(std::string type, std::string payload = {}) {
  job_spec s;
  s.type = std::move(type);
  s.payload = std::move(payload);
  return s;
}

job_type_options quick_retries(std::int32_t attempts) {
  job_type_options o;
  o.retry.max_attempts = attempts;
  o.retry.backoff = fixed_backoff{1ms};
  return o;
}

} // namespace

TEST_CASE("a callable handler sees its job and completes it", "[runtime]") {
  runtime rt{quiet_runtime_config()};
  // Written on a worker thread, read here: the hand-over in between runs
  // through CAF, which ThreadSanitizer cannot see, so it is locked.
  std::mutex seen_mutex;
  std::int32_t seen_attempt = 0;
  std::string seen_payload;
  REQUIRE(rt.handle("greet", [&](job_context& ctx) -> job_result {
    std::lock_guard<std::mutex> guard{seen_mutex};
    seen_attempt = ctx.attempt();
    seen_payload = std::string(ctx.payload());
    return job_output{"hello " + seen_payload};
  }));
  REQUIRE(rt.start());
  event_recorder events{rt};
  auto id = rt.enqueue(spec_of("greet", "world"));
  REQUIRE(id);
  REQUIRE(events.wait_for_terminal(1));
  auto j = rt.get(id.value().id);
  REQUIRE(j);
  CHECK(j.value().state == job_state::completed);
  CHECK(j.value().output == std::optional<std::string>{"hello world"});
  {
    std::lock_guard<std::mutex> guard{seen_mutex};
    CHECK(seen_attempt == 1);
    CHECK(seen_payload == "world");
  }
  std::vector<std::optional<job_state>> path;
  for (const auto& e : events.events())
    path.push_back(e.to);
  CHECK(path == std::vector<std::optional<job_state>>{
                    job_state::pending, job_state::processing,
                    job_state::completed});
  REQUIRE(rt.shutdown(1s));
}

TEST_CASE("an exception escaping a handler is a transient failure with code "
          "'exception'",
          "[runtime]") {
  runtime rt{quiet_runtime_config()};
  REQUIRE(rt.handle("explode", [](job_context& ctx) -> job_result {
    if (ctx.attempt() == 1)
      throw std::runtime_error("boom");
    if (ctx.attempt() == 2)
      throw 42;
    return job_output{};
  }, quick_retries(3)));
  REQUIRE(rt.start());
  event_recorder events{rt};
  auto id = rt.enqueue(spec_of("explode")).value().id;
  REQUIRE(events.wait_for_terminal(1));
  auto j = rt.get(id).value();
  CHECK(j.state == job_state::completed);
  REQUIRE(j.errors.size() == 2);
  CHECK(j.errors[0].error.kind == error_kind::transient);
  CHECK(j.errors[0].error.code == "exception");
  CHECK(j.errors[0].error.message == "boom");
  CHECK(j.errors[1].error.code == "exception");
  REQUIRE(rt.shutdown(1s));
}

TEST_CASE("refusals are typed: unknown type, late registration, bad config",
          "[runtime]") {
  runtime rt{quiet_runtime_config()};
  auto noop = [](job_context&) -> job_result { return job_output{}; };
  REQUIRE(rt.handle("a", noop));
  auto twice = rt.handle("a", noop);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().field == "type");
  job_type_options bad;
  bad.retry.max_attempts = 0;
  auto nonsense = rt.handle("b", noop, bad);
  REQUIRE_FALSE(nonsense);
  CHECK(nonsense.error().field == "max_attempts");

  auto early = rt.enqueue(spec_of("a"));
  REQUIRE_FALSE(early);
  CHECK(early.error().code == request_error::code_type::not_started);

  REQUIRE(rt.start());
  auto unknown = rt.enqueue(spec_of("nope"));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == request_error::code_type::unknown_job_type);
  CHECK_FALSE(rt.handle("c", noop));
  REQUIRE(rt.shutdown(1s));
  auto after = rt.enqueue(spec_of("a"));
  REQUIRE_FALSE(after);
  CHECK(after.error().code == request_error::code_type::not_started);
}

TEST_CASE("a blocking handler past its timeout is stopped, and the retry waits "
          "for it to return",
          "[runtime][timeout]") {
  runtime rt{quiet_runtime_config()};
  std::atomic<int> running{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> saw_stop{0};
  auto options = quick_retries(2);
  options.timeout = 50ms;
  REQUIRE(rt.handle("hang", [&](job_context& ctx) -> job_result {
    if (running.fetch_add(1) != 0)
      ++overlaps;
    if (ctx.sleep_for(1h))
      ++saw_stop;
    running.fetch_sub(1);
    return job_output{};
  }, options));
  REQUIRE(rt.start());
  event_recorder events{rt};
  auto id = rt.enqueue(spec_of("hang")).value().id;
  REQUIRE(events.wait_for_terminal(1));
  auto j = rt.get(id).value();
  CHECK(j.state == job_state::dead);
  CHECK(j.attempt == 2);
  REQUIRE(j.errors.size() == 2);
  CHECK(j.errors[0].error.kind == error_kind::timeout);
  REQUIRE(rt.shutdown(5s));
  CHECK(saw_stop == 2);
  CHECK(overlaps == 0);
  CHECK(rt.stats().has_error()); // stopped: no more answers
}

TEST_CASE("cancelling a running callable asks it to stop, and the job ends "
          "cancelled when it returns",
          "[runtime][cancel]") {
  runtime rt{quiet_runtime_config()};
  thread_flag started;
  std::atomic<bool> saw_stop{false};
  REQUIRE(rt.handle("long", [&](job_context& ctx) -> job_result {
    started.raise();
    saw_stop = ctx.sleep_for(1h);
    return job_output{};
  }));
  REQUIRE(rt.start());
  event_recorder events{rt};
  auto id = rt.enqueue(spec_of("long")).value().id;
  REQUIRE(started.wait());
  auto asked = rt.cancel(id);
  REQUIRE(asked);
  CHECK(asked.value().cancel_requested);
  REQUIRE(events.wait_for_terminal(1));
  CHECK(saw_stop);
  CHECK(rt.get(id).value().state == job_state::cancelled);
  REQUIRE(rt.shutdown(1s));
}

TEST_CASE("shutdown gives a running attempt back to pending", "[runtime]") {
  auto store = std::make_shared<memory_store>();
  auto config = quiet_runtime_config();
  config.store = store;
  runtime rt{config};
  thread_flag started;
  REQUIRE(rt.handle("long", [&](job_context& ctx) -> job_result {
    started.raise();
    ctx.sleep_for(1h);
    return job_output{};
  }));
  REQUIRE(rt.start());
  auto id = rt.enqueue(spec_of("long")).value().id;
  REQUIRE(started.wait());
  auto report = rt.shutdown(10ms);
  REQUIRE(report);
  CHECK(report.value().released == 1);
  auto kept = store->find(id);
  REQUIRE(kept);
  CHECK(kept->state == job_state::pending);
  CHECK(kept->attempt == 0);
}

TEST_CASE("calls from other threads while shutdown runs are answered, "
          "never raced",
          "[runtime]") {
  // ThreadSanitizer checks this one: shutdown() used to write the timeout
  // and the stopped flag that other calls read unguarded.
  runtime rt{quiet_runtime_config()};
  REQUIRE(rt.handle("t", [](job_context&) -> job_result { return job_output{}; }));
  REQUIRE(rt.start());
  std::atomic<bool> go{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i)
    callers.emplace_back([&] {
      while (!go.load())
        std::this_thread::yield();
      for (int n = 0; n < 200; ++n) {
        auto enqueued = rt.enqueue(spec_of("t"));
        auto counted = rt.stats();
        auto read = rt.get(1);
        // Before shutdown: answers; after: refused as not running or
        // shutting down, never anything else (a timeout, a crash).
        using code = request_error::code_type;
        auto expected = [](const request_error& e) {
          return e.code == code::not_started || e.code == code::shutting_down;
        };
        if ((enqueued || expected(enqueued.error())) &&
            (counted || expected(counted.error())) &&
            (read || read.error().code == code::not_found ||
             expected(read.error())))
          ++answered;
      }
    });
  go = true;
  auto report = rt.shutdown(std::chrono::milliseconds(100));
  for (auto& t : callers)
    t.join();
  REQUIRE(report);
  CHECK(answered.load() == 600);
  auto after = rt.enqueue(spec_of("t"));
  REQUIRE_FALSE(after);
  CHECK(after.error().code == request_error::code_type::not_started);
}
