// cli::shutdown_signal in this process: a SIGTERM or SIGINT sent to the
// process is taken by its waiting thread (never by a handler) and reported,
// with the conventional exit code; without one, nothing is reported.

#include "cli/shutdown_signal.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string_view>

using namespace std::chrono_literals;

TEST_CASE("shutdown_signal reports nothing until a signal arrives",
          "[apps][signal]") {
  jobrt::cli::shutdown_signal interrupt;
  CHECK_FALSE(interrupt.requested());
  CHECK_FALSE(interrupt.wait_for(10ms));
  CHECK(interrupt.signal_number() == 0);
  CHECK(interrupt.signal_name().empty());
  CHECK(interrupt.exit_code() == 0);
}

namespace {

/// `signo`, sent to the whole process, reaches the waiting thread.
void expect_taken(int signo, std::string_view name, int exit_code) {
  jobrt::cli::shutdown_signal interrupt;
  REQUIRE(::kill(::getpid(), signo) == 0);
  REQUIRE(interrupt.wait_for(10s));
  CHECK(interrupt.requested());
  CHECK(interrupt.signal_number() == signo);
  CHECK(interrupt.signal_name() == name);
  CHECK(interrupt.exit_code() == exit_code);
}

} // namespace

TEST_CASE("shutdown_signal takes SIGTERM sent to the process",
          "[apps][signal]") {
  expect_taken(SIGTERM, "SIGTERM", 143);
}

TEST_CASE("shutdown_signal takes SIGINT sent to the process",
          "[apps][signal]") {
  expect_taken(SIGINT, "SIGINT", 130);
}
