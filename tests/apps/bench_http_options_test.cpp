// jobrt-bench --workload http's flags (apps/bench/options.hpp): it runs on
// SQLite whatever the default store, takes its own counts and the jobrtd
// to start, and refuses what it cannot run on.

#include "bench_command_line.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using bench_test::parse;
using bench_test::refusal;

TEST_CASE("bench http: its defaults, on SQLite") {
  auto parsed = parse({"--workload", "http"});
  REQUIRE(parsed);
  const auto& o = parsed.value();
  CHECK(o.workloads == std::vector<bench::workload>{bench::workload::http});
  CHECK(o.store == "sqlite");
  CHECK(o.connections == 16u);
  CHECK(o.stored_jobs == 1'000'000u);
  CHECK(o.jobrtd.empty()); // the jobrtd beside jobrt-bench
  CHECK_FALSE(o.jobs);
}

TEST_CASE("bench http: every flag it takes") {
  auto parsed = parse({"--workload=http", "--jobs", "500", "--connections=8",
                       "--db", "/tmp/x.db", "--jobrtd", "/opt/jobrtd",
                       "--stored-jobs", "2000", "--store", "sqlite"});
  REQUIRE(parsed);
  const auto& o = parsed.value();
  CHECK(o.jobs == 500u);
  CHECK(o.connections == 8u);
  CHECK(o.db == "/tmp/x.db");
  CHECK(o.jobrtd == "/opt/jobrtd");
  CHECK(o.stored_jobs == 2000u);
  CHECK(o.store == "sqlite");
}

TEST_CASE("bench http: refusals") {
  CHECK(refusal({"--workload", "http", "--connections", "0"}) ==
        "--connections must be a positive decimal number, not '0'");
  CHECK(refusal({"--workload", "http", "--connections", "513"}) ==
        "--connections must be between 1 and 512, not '513'");
  CHECK(refusal({"--workload", "http", "--stored-jobs", "1e6"}) ==
        "--stored-jobs must be a positive decimal number, not '1e6'");
  CHECK(refusal({"--workload", "http", "--jobrtd"}) == "--jobrtd: missing value");
  CHECK(refusal({"--workload", "http", "--store", "memory"}) ==
        "--workload http runs on SQLite, not --store memory");
  CHECK(refusal({"--workload", "http", "--db", "postgresql://h/d"}) ==
        "--db postgresql://... runs w1 or w2");
  CHECK(refusal({"--jobs", "5"}) ==
        "--workload is required (w1, w2, w4, w5, http or all)");
}
