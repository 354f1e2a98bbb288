// jobrt-bench's command line (apps/bench/options.hpp): every number is
// decimal digits within its flag's range, through cli/decimal_arg.hpp.

#include "bench_command_line.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using bench_test::parse;
using bench_test::refusal;

TEST_CASE("bench numbers are decimal digits in range") {
  auto parsed = parse({"--workload", "w1", "--jobs", "010", "--repeat=5",
                       "--seed", "0", "--scheduler-threads", "0"});
  REQUIRE(parsed);
  CHECK(parsed.value().jobs == 10u);
  CHECK(parsed.value().repeat == 5u);
  CHECK(parsed.value().seed == 0u);
  CHECK(parsed.value().scheduler_threads == 0u); // CAF's own, as documented
}

TEST_CASE("bench refuses C literals, signs and numbers out of range") {
  for (const char* text : {"0x10", "+5", "-5", " 5", "5k", "1e3", ""}) {
    INFO(text);
    CHECK(refusal({"--workload", "w1", "--jobs", text}) ==
          "--jobs must be a positive decimal number, not '" +
              std::string(text) + "'");
  }
  CHECK(refusal({"--workload", "w1", "--jobs", "0"}) ==
        "--jobs must be a positive decimal number, not '0'");
  CHECK(refusal({"--workload", "w1", "--repeat", "1000000"}) ==
        "--repeat must be between 1 and 1000, not '1000000'");
  CHECK(refusal({"--workload", "w4", "--deadlines", "18446744073709551616"}) ==
        "--deadlines must be between 1 and 1000000000, not "
        "'18446744073709551616'");
  CHECK(refusal({"--workload", "w1", "--scheduler-threads", "100000"}) ==
        "--scheduler-threads must be between 0 and 1024, not '100000'");
  CHECK(refusal({"--workload", "w1", "--seed", "-1"}) ==
        "--seed must be a decimal number (digits only), not '-1'");
}

TEST_CASE("bench runs W5 alone with a million jobs, within all with fewer") {
  using bench::workload;
  auto alone = parse({"--workload", "w5", "--store", "sqlite"});
  REQUIRE(alone);
  CHECK(alone.value().workloads == std::vector<workload>{workload::w5});
  CHECK(alone.value().backlog_jobs == 1'000'000u);
  CHECK_FALSE(alone.value().jobs);

  auto all = parse({"--workload", "all"});
  REQUIRE(all);
  CHECK(all.value().workloads ==
        std::vector<workload>{workload::w1, workload::w2, workload::w4,
                              workload::w5});
  CHECK(all.value().backlog_jobs == 100'000u);

  // The last --workload decides, W5's default size with it.
  auto last = parse({"--workload", "all", "--workload", "w5"});
  REQUIRE(last);
  CHECK(last.value().backlog_jobs == 1'000'000u);

  CHECK(refusal({"--workload", "w6"}) ==
        "--workload: expected w1, w2, w4, w5, http or all, got 'w6'");
}

TEST_CASE("bench on PostgreSQL: a postgresql:// --db selects the store") {
  for (const char* uri : {"postgresql://jobrt@127.0.0.1:5432/postgres",
                          "postgres://localhost/jobs"}) {
    INFO(uri);
    auto parsed = parse({"--workload", "w1", "--db", uri});
    REQUIRE(parsed);
    CHECK(parsed.value().store == "postgresql");
    CHECK(parsed.value().db == uri);
    CHECK(parsed.value().nodes == 1u);
  }
  // Flags in any order; --store postgresql says the same.
  auto w2 = parse({"--nodes", "4", "--store", "postgresql", "--db",
                   "postgresql://h/d", "--workload", "w2"});
  REQUIRE(w2);
  CHECK(w2.value().store == "postgresql");
  CHECK(w2.value().nodes == 4u);
  CHECK(w2.value().workloads == std::vector<bench::workload>{bench::workload::w2});
  // A path stays SQLite's (or memory's): nothing changes for them.
  auto sqlite = parse({"--workload", "w1", "--store", "sqlite", "--db", "x.db"});
  REQUIRE(sqlite);
  CHECK(sqlite.value().store == "sqlite");
  CHECK(sqlite.value().nodes == 1u);
}

TEST_CASE("bench on PostgreSQL refuses what does not go with it") {
  CHECK(refusal({"--workload", "w1", "--nodes", "2"}) ==
        "--nodes needs --db postgresql://...");
  CHECK(refusal({"--workload", "w1", "--store", "sqlite", "--db", "x.db",
                 "--nodes", "2"}) == "--nodes needs --db postgresql://...");
  CHECK(refusal({"--workload", "w1", "--store", "postgresql"}) ==
        "--store postgresql needs --db postgresql://...");
  CHECK(refusal({"--workload", "w1", "--store", "sqlite", "--db",
                 "postgresql://h/d"}) ==
        "--store sqlite does not go with a postgresql:// --db");
  for (const char* w : {"w4", "w5", "all"}) {
    INFO(w);
    CHECK(refusal({"--workload", w, "--db", "postgresql://h/d"}) ==
          "--db postgresql://... runs w1 or w2");
  }
  CHECK(refusal({"--workload", "w1", "--db", "postgresql://h/d", "--nodes",
                 "0"}) == "--nodes must be a positive decimal number, not '0'");
  CHECK(refusal({"--workload", "w1", "--db", "postgresql://h/d", "--nodes",
                 "65"}) == "--nodes must be between 1 and 64, not '65'");
  CHECK(refusal({"--workload", "w1", "--db", "postgresql://h/d", "--nodes",
                 "0x2"}) ==
        "--nodes must be a positive decimal number, not '0x2'");
}
