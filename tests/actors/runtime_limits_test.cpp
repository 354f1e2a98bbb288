// The embedding API at its edges: settings that would make jobs wait
// forever are refused at start, worker threads that cannot be created fail
// start(), a grace of any size is honoured, a handler that never returns
// cannot hold shutdown or the destructor, a request that gets no answer
// says `timeout`, and jobs nobody handles are counted.

#include "quiet_runtime.hpp"
#include "thread_flag.hpp"

#include "jobrt/actors/runtime.hpp"
#include "jobrt/actors/runtime_caf.hpp"
#include "jobrt/persistence/memory_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <future>
#include <memory>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

using code = request_error::code_type;

job_spec spec_of(std::string type) {
  job_spec s;
  s.type = std::move(type);
  return s;
}

job_handler succeeds() {
  return [](job_context&) -> job_result { return job_output{}; };
}

/// start() with `change` applied to a quiet config; the refusal it gives.
request_error refusal_of(std::function<void(runtime_config&)> change) {
  auto config = quiet_runtime_config();
  change(config);
  runtime rt{config};
  REQUIRE(rt.handle("t", succeeds()));
  auto started = rt.start();
  REQUIRE_FALSE(started);
  return started.error();
}

} // namespace

TEST_CASE("settings that would make jobs wait forever are refused at start",
          "[runtime][config]") {
  auto zero_queue = refusal_of([](runtime_config& c) {
    c.queue_concurrency["mail"] = 0;
  });
  CHECK(zero_queue.code == code::invalid_config);
  CHECK(zero_queue.message.find("queue_concurrency.mail") != std::string::npos);

  auto negative_queue = refusal_of([](runtime_config& c) {
    c.queue_concurrency["mail"] = -3;
  });
  CHECK(negative_queue.code == code::invalid_config);

  CHECK(refusal_of([](runtime_config& c) { c.handoff_per_thread = 0; })
            .message.find("handoff_per_thread") != std::string::npos);
  CHECK(refusal_of([](runtime_config& c) { c.worker_threads = 100000; })
            .message.find("worker_threads") != std::string::npos);
  CHECK(refusal_of([](runtime_config& c) { c.max_in_flight = 0; })
            .message.find("max_in_flight") != std::string::npos);
  CHECK(refusal_of([](runtime_config& c) { c.request_timeout = 0ms; })
            .message.find("request_timeout") != std::string::npos);
  CHECK(refusal_of([](runtime_config& c) { c.retention.interval = 0ms; })
            .message.find("retention.interval") != std::string::npos);
  CHECK(refusal_of([](runtime_config& c) { c.sqlite.max_payload_bytes = 0; })
            .message.find("sqlite.max_payload_bytes") != std::string::npos);
  CHECK(refusal_of([](runtime_config& c) { c.database = ""; })
            .message.find("database") != std::string::npos);
}

TEST_CASE("a type name over its bound is refused at registration",
          "[runtime][config]") {
  runtime rt{quiet_runtime_config()};
  auto added = rt.handle(std::string(max_name_bytes + 1, 't'), succeeds());
  REQUIRE_FALSE(added);
  CHECK(added.error().field == "type");
}

TEST_CASE("shutdown with the largest grace waits for the running attempt",
          "[runtime][shutdown]") {
  runtime rt{quiet_runtime_config()};
  auto started = std::make_shared<thread_flag>();
  auto release = std::make_shared<thread_flag>();
  REQUIRE(rt.handle("slow", [started, release](job_context&) -> job_result {
    started->raise();
    release->wait(60s);
    return job_output{"finished"};
  }));
  REQUIRE(rt.start());
  auto id = rt.enqueue(spec_of("slow"));
  REQUIRE(id);
  REQUIRE(started->wait());
  auto stopping = std::async(std::launch::async,
                             [&] { return rt.shutdown(duration::max()); });
  // It must not give up at once (the request timeout used to overflow).
  CHECK(stopping.wait_for(200ms) == std::future_status::timeout);
  release->raise();
  REQUIRE(stopping.wait_for(10s) == std::future_status::ready);
  auto report = stopping.get();
  REQUIRE(report);
  CHECK(report.value().finished_in_grace == 1);
  CHECK(report.value().released == 0);
  CHECK(report.value().abandoned_handlers == 0);
}

TEST_CASE("a handler that ignores its stop cannot hold shutdown or the "
          "destructor",
          "[runtime][shutdown]") {
  auto started = std::make_shared<thread_flag>();
  auto release = std::make_shared<thread_flag>();
  auto returned = std::make_shared<thread_flag>();
  {
    auto config = quiet_runtime_config();
    config.stop_patience = 50ms;
    runtime rt{config};
    REQUIRE(rt.handle("stuck", [started, release, returned](job_context&) -> job_result {
      started->raise();
      release->wait(60s); // deaf to its stop_signal
      returned->raise();
      return job_output{};
    }));
    REQUIRE(rt.start());
    REQUIRE(rt.enqueue(spec_of("stuck")));
    REQUIRE(started->wait());
    auto report = rt.shutdown(0ms);
    REQUIRE(report);
    CHECK(report.value().released == 1);
    CHECK(report.value().abandoned_handlers == 1);
  } // the destructor returns although the handler still runs
  CHECK_FALSE(returned->wait(0ms));
  // The abandoned thread may finish whenever it likes, safely.
  release->raise();
  CHECK(returned->wait());
}

TEST_CASE("a request that gets no answer within its timeout fails as "
          "timeout, while reads do not wait for the supervisor",
          "[runtime]") {
  auto config = quiet_runtime_config();
  config.scheduler_threads = 1;
  // Long: the calls below time out by their own timeout.
  config.request_timeout = 60s;
  runtime rt{config};
  REQUIRE(rt.handle("t", succeeds()));
  REQUIRE(rt.start());
  // Occupy CAF's only scheduler thread, so the supervisor cannot answer.
  auto busy = std::make_shared<thread_flag>();
  auto release = std::make_shared<thread_flag>();
  // Spawned with arguments: CAF 0.17's spawn of a bare function trips
  // UBSan (see shared/caf-0.17-notes.md).
  auto blocker = runtime_caf::system(rt).spawn(
      [](caf::event_based_actor*, std::shared_ptr<thread_flag> busy_flag,
         std::shared_ptr<thread_flag> release_flag) {
        return caf::behavior{[busy_flag, release_flag](int) {
          busy_flag->raise();
          release_flag->wait(30s);
        }};
      },
      busy, release);
  caf::anon_send(blocker, 1);
  REQUIRE(busy->wait());
  // Reads come from the store on the caller's thread.
  auto read = rt.get(1);
  auto page = rt.list({});
  auto answer = rt.stats(200ms);
  release->raise();
  REQUIRE_FALSE(read);
  CHECK(read.error().code == code::not_found);
  REQUIRE(page);
  CHECK(page.value().jobs.empty());
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == code::timeout);
  caf::anon_send_exit(blocker, caf::exit_reason::user_shutdown);
}

TEST_CASE("jobs of a type without a handler are counted", "[runtime]") {
  auto store = std::make_shared<memory_store>();
  {
    auto config = quiet_runtime_config();
    config.store = store;
    runtime rt{config};
    REQUIRE(rt.handle("old", succeeds()));
    REQUIRE(rt.start());
    for (int i = 0; i < 3; ++i) {
      auto later = spec_of("old");
      later.run_at = wall_clock_now() + 1h;
      REQUIRE(rt.enqueue(later));
    }
    REQUIRE(rt.shutdown(1s));
  }
  auto config = quiet_runtime_config();
  config.store = store;
  runtime rt{config};
  REQUIRE(rt.handle("new", succeeds()));
  REQUIRE(rt.start());
  auto stats = rt.stats();
  REQUIRE(stats);
  CHECK(stats.value().without_handler == 3);
  CHECK(stats.value().count(job_state::scheduled) == 3);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_CASE("start fails with the reason when worker threads cannot be created",
          "[runtime][config]") {
  // In a child: with its address space capped, 64 thread stacks of 8 MiB
  // cannot be mapped. (Sanitizers map their shadow memory lazily, so the
  // cap would break them instead; this runs in the plain build.)
  auto child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto config = quiet_runtime_config();
    config.worker_threads = 64;
    runtime rt{config};
    if (!rt.handle("t", succeeds()))
      _exit(10);
    rlimit cap{};
    getrlimit(RLIMIT_AS, &cap);
    // What is mapped now, plus 64 MiB.
    long pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1)
        pages = 0;
      std::fclose(f);
    }
    cap.rlim_cur = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) +
                   (64u << 20);
    if (setrlimit(RLIMIT_AS, &cap) != 0)
      _exit(11);
    auto started = rt.start();
    if (started)
      _exit(12); // the bug: success without threads
    if (started.error().code != code::not_started ||
        started.error().message.find("worker threads") == std::string::npos)
      _exit(13);
    if (rt.enqueue(spec_of("t")))
      _exit(14);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
#endif
