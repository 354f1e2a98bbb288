// jobrt-demo and jobrt-bench under SIGTERM and SIGINT, from the outside:
// the real binaries on a fresh SQLite file, signalled once they are
// working. A graceful shutdown leaves no job in `processing` (its attempts
// finished or went back to pending, uncounted), exits with 128 + the
// signal's number, and the demo's next run resumes with no attempt counted
// as abandoned.

#include "apps/child_process.hpp"
#include "apps/sqlite_count.hpp"
#include "persistence/scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;
using jobrt::test::child_process;
using jobrt::test::describe_status;
using jobrt::test::sqlite_count;
using Catch::Matchers::Contains;
using clock_type = child_process::clock_type;

/// Waits until `db` holds at least one row matching `sql`, i.e. the app is
/// at work; false if `app` exits or `deadline` passes first.
bool wait_for_rows(child_process& app, const std::string& db, const char* sql,
                   clock_type::time_point deadline) {
  while (clock_type::now() < deadline && !app.wait_until(clock_type::now())) {
    if (sqlite_count(db, sql).value_or(0) > 0)
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

/// Signals `app` and waits (bounded) for it to exit; checks the exit code
/// and the line saying it was interrupted.
void signal_and_expect_exit(child_process& app, int signo, int exit_code,
                            const std::string& signal_name) {
  app.send(signo);
  auto status = app.wait_until(clock_type::now() + 30s);
  INFO("output:\n" << app.output());
  REQUIRE(status);
  CHECK(describe_status(*status) == "exit " + std::to_string(exit_code));
  CHECK_THAT(app.output(), Contains("interrupted by " + signal_name));
}

void demo_stops_and_resumes(int signo, int exit_code,
                            const std::string& signal_name) {
  jobrt::test::scratch_dir dir;
  auto db = dir.file("jobs.db");
  {
    child_process demo({JOBRT_DEMO_PATH, "--log", "-", "--db", db},
                       dir.file("interrupted.txt"));
    auto deadline = clock_type::now() + 30s;
    bool working = demo.wait_for_output("Charging", deadline) &&
                   wait_for_rows(demo, db, jobrt::test::processing_jobs, deadline);
    {
      INFO("output:\n" << demo.output());
      REQUIRE(working);
    }
    signal_and_expect_exit(demo, signo, exit_code, signal_name);
  }
  CHECK(sqlite_count(db, jobrt::test::all_jobs).value_or(0) > 0);
  CHECK(sqlite_count(db, jobrt::test::processing_jobs) == 0);
  CHECK(sqlite_count(db, jobrt::test::abandoned_attempts) == 0);

  child_process resumed({JOBRT_DEMO_PATH, "--log", "-", "--db", db},
                        dir.file("resumed.txt"));
  auto status = resumed.wait_until(clock_type::now() + 90s);
  INFO("resumed run's output:\n" << resumed.output());
  REQUIRE(status);
  CHECK_THAT(resumed.output(), Contains("Resuming: "));
  CHECK(describe_status(*status) == "exit 0");
  CHECK_THAT(resumed.output(), Contains("\"ok\":true"));
  CHECK(sqlite_count(db, jobrt::test::processing_jobs) == 0);
  CHECK(sqlite_count(db, jobrt::test::abandoned_attempts) == 0);
}

void bench_stops(int signo, int exit_code, const std::string& signal_name) {
  jobrt::test::scratch_dir dir;
  auto db = dir.file("bench.db");
  child_process bench({JOBRT_BENCH_PATH, "--workload", "w1", "--store",
                       "sqlite", "--db", db, "--repeat", "1"},
                      dir.file("bench.txt"));
  bool working =
      wait_for_rows(bench, db, jobrt::test::all_jobs, clock_type::now() + 60s);
  {
    INFO("output:\n" << bench.output());
    REQUIRE(working);
  }
  signal_and_expect_exit(bench, signo, exit_code, signal_name);
  CHECK_THAT(bench.output(), Contains("during W1"));
  CHECK(sqlite_count(db, jobrt::test::processing_jobs) == 0);
}

} // namespace

TEST_CASE("jobrt-demo on SIGTERM shuts down gracefully and resumes with "
          "nothing abandoned",
          "[apps][demo][signal]") {
  demo_stops_and_resumes(SIGTERM, 143, "SIGTERM");
}

TEST_CASE("jobrt-demo on SIGINT shuts down gracefully and resumes with "
          "nothing abandoned",
          "[apps][demo][signal]") {
  demo_stops_and_resumes(SIGINT, 130, "SIGINT");
}

TEST_CASE("jobrt-bench on SIGTERM stops its runtime gracefully",
          "[apps][bench][signal]") {
  bench_stops(SIGTERM, 143, "SIGTERM");
}

TEST_CASE("jobrt-bench on SIGINT stops its runtime gracefully",
          "[apps][bench][signal]") {
  bench_stops(SIGINT, 130, "SIGINT");
}
