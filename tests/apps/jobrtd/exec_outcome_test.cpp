// What each way a program ends means for the attempt.

#include "handlers/exec_outcome.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>

using namespace jobrtd;

namespace {

/// A wait status as waitpid reports an exit or a death by signal.
int exited(int code) { return code << 8; }
int killed(int signal) { return signal; }

} // namespace

TEST_CASE("exit 0 succeeds with stdout as the output") {
  auto r = classify_exec({exited(0), false, "out", "warnings"}, {});
  REQUIRE(r);
  CHECK(r.value().data == "out");
}

TEST_CASE("configured exit codes are permanent, others transient") {
  auto permanent = classify_exec({exited(2), false, "", "bad input"}, {2, 64});
  REQUIRE_FALSE(permanent);
  CHECK(permanent.error().kind == jobrt::error_kind::permanent);
  CHECK(permanent.error().code == "exit_2");
  CHECK(permanent.error().message == "exited with 2: bad input");
  auto transient = classify_exec({exited(1), false, "", ""}, {2, 64});
  CHECK(transient.error().kind == jobrt::error_kind::transient);
  CHECK(transient.error().code == "exit_1");
}

TEST_CASE("death by a signal is transient and a stop by jobrtd is a timeout") {
  auto signalled = classify_exec({killed(SIGSEGV), false, "", ""}, {});
  CHECK(signalled.error().kind == jobrt::error_kind::transient);
  CHECK(signalled.error().code == "signal_11");
  auto stopped = classify_exec({killed(SIGTERM), true, "", ""}, {15});
  CHECK(stopped.error().kind == jobrt::error_kind::timeout);
  CHECK(stopped.error().code == "stopped");
}

TEST_CASE("a program that does not exist is permanent, a lack of resources transient") {
  CHECK(spawn_failure(ENOENT, "nope").kind == jobrt::error_kind::permanent);
  CHECK(spawn_failure(EACCES, "nope").kind == jobrt::error_kind::permanent);
  CHECK(spawn_failure(EAGAIN, "x").kind == jobrt::error_kind::transient);
  CHECK(spawn_failure(ENOENT, "nope").message.starts_with("cannot run nope: "));
}
