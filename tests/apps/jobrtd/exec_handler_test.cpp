// The exec handler on real programs: payload on stdin, id and attempt in
// the environment, output limit, exit codes, and a program that ignores
// SIGTERM killed after the grace once the attempt is asked to stop.

#include "handlers/exec_handler.hpp"

#include "persistence/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace jobrtd;
using namespace std::chrono_literals;

namespace {

struct attempt {
  jobrt::job record;
  jobrt::stop_signal stop;
  spdlog::logger log{"exec-test", std::make_shared<spdlog::sinks::null_sink_mt>()};

  explicit attempt(std::string payload) {
    record.id = 42;
    record.attempt = 3;
    record.type = "echo";
    record.queue = "q1";
    record.payload = std::move(payload);
  }
  jobrt::job_context context() { return {record, stop, log}; }
};

exec_config program(std::vector<std::string> command) {
  exec_config c;
  c.command = std::move(command);
  return c;
}

} // namespace

TEST_CASE("the payload goes to stdin and stdout comes back as the output") {
  attempt a("hello, world");
  auto ctx = a.context();
  auto r = make_exec_handler(program({"cat"}))(ctx);
  REQUIRE(r);
  CHECK(r.value().data == "hello, world");
}

TEST_CASE("a large payload is fed while the output is read") {
  attempt a(std::string(1 << 20, 'x'));
  auto c = program({"cat"});
  c.output_limit = 1000;
  auto ctx = a.context();
  auto r = make_exec_handler(c)(ctx);
  REQUIRE(r);
  CHECK(r.value().data == std::string(1000, 'x'));
}

TEST_CASE("the job's id, attempt, type and queue are in the environment") {
  attempt a("");
  auto c = program({"sh", "-c",
                    "printf '%s %s %s %s %s' \"$JOBRT_JOB_ID\" \"$JOBRT_ATTEMPT\" "
                    "\"$JOBRT_JOB_TYPE\" \"$JOBRT_QUEUE\" \"$EXTRA\""});
  c.environment = {{"EXTRA", "yes"}};
  auto ctx = a.context();
  auto r = make_exec_handler(c)(ctx);
  REQUIRE(r);
  CHECK(r.value().data == "42 3 echo q1 yes");
}

TEST_CASE("exit codes: configured ones permanent, others transient, stderr in the message") {
  attempt a("");
  auto c = program({"sh", "-c", "echo 'no such customer' >&2; exit \"$CODE\""});
  c.permanent_exit_codes = {2};
  c.environment = {{"CODE", "2"}};
  auto ctx = a.context();
  auto permanent = make_exec_handler(c)(ctx);
  REQUIRE_FALSE(permanent);
  CHECK(permanent.error().kind == jobrt::error_kind::permanent);
  CHECK(permanent.error().message == "exited with 2: no such customer\n");
  c.environment = {{"CODE", "75"}};
  auto transient = make_exec_handler(c)(ctx);
  CHECK(transient.error().kind == jobrt::error_kind::transient);
  CHECK(transient.error().code == "exit_75");
}

TEST_CASE("a program that does not exist fails permanently") {
  attempt a("");
  auto ctx = a.context();
  auto r = make_exec_handler(program({"/nonexistent/jobrtd-test-program"}))(ctx);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == jobrt::error_kind::permanent);
  CHECK(r.error().code == "spawn_failed");
}

TEST_CASE("a stop request ends a hung program: SIGTERM, then SIGKILL after the grace") {
  attempt a("");
  jobrt::test::scratch_dir dir;
  auto marker = dir.file("started");
  // Ignores SIGTERM, so only the SIGKILL after kill_grace ends it.
  auto c = program({"sh", "-c", "trap '' TERM; touch \"$MARKER\"; while :; do sleep 1; done"});
  c.environment = {{"MARKER", marker}};
  c.kill_grace = 200ms;
  auto stopper = std::thread([&] {
    auto bound = std::chrono::steady_clock::now() + 10s;
    while (!std::filesystem::exists(marker) && std::chrono::steady_clock::now() < bound)
      std::this_thread::sleep_for(5ms);
    a.stop.raise();
  });
  auto started = std::chrono::steady_clock::now();
  auto ctx = a.context();
  auto r = make_exec_handler(c)(ctx);
  auto took = std::chrono::steady_clock::now() - started;
  stopper.join();
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == jobrt::error_kind::timeout);
  CHECK(r.error().code == "stopped");
  CHECK(took >= 200ms);
  CHECK(took < 5s);
}
