// jobrt-demo on PostgreSQL from the outside: `jobrt-demo --db URI --nodes 2`
// in a scratch schema starts two demo processes on one queue. Every order
// is enqueued once and completed at most once, by one of the two, and
// both take part. Without a server (JOBRT_TEST_POSTGRES) it is skipped.

#include "apps/child_process.hpp"
#include "persistence/postgres_server.hpp"
#include "persistence/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <chrono>
#include <sstream>
#include <string>

namespace {

using namespace std::chrono_literals;
using jobrt::test::child_process;
using jobrt::test::describe_status;

/// The last line of `output` that is a JSON object: the group's report.
nlohmann::json last_json_line(const std::string& output) {
  std::istringstream lines(output);
  nlohmann::json last;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("{\"", 0) == 0)
      last = nlohmann::json::parse(line, nullptr, false);
  return last;
}

} // namespace

TEST_CASE("demo: two processes on one PostgreSQL queue share its orders",
          "[postgres]") {
  REQUIRE_POSTGRES(uri);
  jobrt::test::postgres_scratch scratch{uri};
  jobrt::test::scratch_dir dir;
  child_process demo({JOBRT_DEMO_PATH, "--db", uri, "--schema",
                      scratch.schema(), "--log", dir.file("demo.log"),
                      "--nodes", "2"},
                     dir.file("out.txt"));
  // The demo gives up on its jobs after 30 s; each node then stops.
  auto status = demo.wait_until(child_process::clock_type::now() + 90s);
  REQUIRE(status);
  auto output = demo.output();
  INFO(output);
  auto report = last_json_line(output);
  REQUIRE(report.is_object());
  REQUIRE(report.contains("per_node"));

  // Each order was enqueued once: 3,000 jobs, 3,000 keys.
  auto sql = [&](const std::string& what) {
    return jobrt::test::postgres_query(
        uri, "SELECT " + what + " FROM " + scratch.schema() + ".jobs");
  };
  CHECK(sql("count(*)") == "3000");
  CHECK(sql("count(DISTINCT unique_key)") == "3000");
  // Completed once: as many successes, over both nodes, as completed jobs.
  auto completed = sql("count(*) FILTER (WHERE state = 'completed')");
  CHECK(std::to_string(report.at("completed").get<std::uint64_t>()) == completed);
  CHECK(report.at("succeeded") == report.at("completed"));
  CHECK(report.at("nodes") == 2);
  // Both took part: 3,000 orders over seven seconds keep two runtimes busy.
  REQUIRE(report.at("per_node").size() == 2);
  std::uint64_t sum = 0;
  for (const auto& n : report.at("per_node")) {
    CHECK(n.at("attempts").get<std::uint64_t>() > 0);
    CHECK(n.at("succeeded").get<std::uint64_t>() > 0);
    CHECK_THAT(n.at("node").get<std::string>(), Catch::Contains(":"));
    sum += n.at("succeeded").get<std::uint64_t>();
  }
  CHECK(sum == report.at("succeeded").get<std::uint64_t>());
  // The demo's whole story (its breaker, dead letters, every job finished)
  // held in each node.
  CHECK(describe_status(*status) == "exit 0");
  CHECK(report.at("ok") == true);
}

TEST_CASE("demo: --nodes needs a PostgreSQL database") {
  jobrt::test::scratch_dir dir;
  child_process demo({JOBRT_DEMO_PATH, "--db", dir.file("one.db"), "--nodes",
                      "2"},
                     dir.file("out.txt"));
  auto status = demo.wait_until(child_process::clock_type::now() + 30s);
  REQUIRE(status);
  CHECK(describe_status(*status) == "exit 2");
  CHECK_THAT(demo.output(), Catch::Contains("--nodes needs --db postgresql://"));
}
