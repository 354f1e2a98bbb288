// jobrtd as a process: --check-config, graceful SIGTERM with attempts
// running (they finish within the grace, exit 0, nothing lost on the next
// start), and loopback-only listening without tokens.

#include "running_daemon.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

using namespace jobrtd::test;
using nlohmann::json;

namespace {

struct command_result {
  int exit_code = -1;
  std::string output;
};

command_result run(const std::string& args) {
  auto command = std::string(JOBRTD_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  command_result r;
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe))
    r.output.append(buffer, n);
  auto status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

} // namespace

TEST_CASE("check-config accepts the example and names the bad key of a broken one") {
  auto good = run(std::string("--check-config ") + JOBRTD_EXAMPLE_CONFIG);
  CHECK(good.exit_code == 0);
  CHECK(good.output.find("is valid (2 job types)") != std::string::npos);

  jobrt::test::scratch_dir dir;
  auto path = dir.file("bad.toml");
  std::ofstream(path) << "[types.webhook]\nhandler = \"http\"\n[types.webhook.http]\n"
                         "url = \"http://x\"\n[types.webhook.retry]\nmax_attempts = 0\n";
  auto bad = run("--check-config " + path);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output == "jobrtd: types.webhook.retry.max_attempts: must be 1..1000\n");

  auto plugin = dir.file("plugin.toml");
  std::ofstream(plugin) << "[types.p]\nhandler = \"plugin\"\n[types.p.plugin]\n"
                           "library = \"" JOBRTD_EXAMPLE_PLUGIN "\"\nfunction = \"nope\"\n";
  auto missing = run("--check-config " + plugin);
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("types.p: ") != std::string::npos);
  CHECK(missing.output.find("registers no function 'nope'") != std::string::npos);

  auto token = run(std::string("--check-config ") + JOBRTD_EXAMPLE_CONFIG + " --token root=x");
  CHECK(token.exit_code == 2);
  CHECK(token.output == "jobrtd: --token: the role must be read, enqueue or admin\n");
  CHECK(run("").exit_code == 1);
}

TEST_CASE("SIGTERM: running attempts finish within the grace, exit 0, nothing lost") {
  jobrt::test::scratch_dir dir;
  std::int64_t first = 0, second = 0;
  {
    running_daemon d(standard_config(), {}, &dir);
    first = d.enqueue("slow", "one");
    second = d.enqueue("slow", "two");
    REQUIRE(eventually([&] {
      return std::filesystem::exists(dir.file("started." + std::to_string(first))) &&
             std::filesystem::exists(dir.file("started." + std::to_string(second)));
    }));
    d.process().send(SIGTERM);
    auto status = d.process().wait_until(clock_type::now() + bound);
    INFO(d.process().output());
    REQUIRE(status);
    CHECK(jobrt::test::describe_status(*status) == "exit 0");
    CHECK(d.process().output().find("2 attempts finished in the grace, 0 released") !=
          std::string::npos);
  }
  running_daemon again(standard_config(), {}, &dir);
  CHECK(again.get_json("/jobs/" + std::to_string(first))["output"] == "one");
  CHECK(again.get_json("/jobs/" + std::to_string(second))["state"] == "completed");
}

TEST_CASE("without tokens it listens on loopback only, and says so") {
  jobrt::test::scratch_dir dir;
  auto config = dir.file("open.toml");
  std::ofstream(config) << "[server]\nlisten = \"0.0.0.0:0\"\n";
  jobrt::test::child_process p({JOBRTD_PATH, "--config", config, "--db", dir.file("j.db")},
                               dir.file("out"));
  REQUIRE(p.wait_for_output("jobrtd: listening on 127.0.0.1:", clock_type::now() + bound));
  CHECK(p.output().find("no tokens configured: listening on 127.0.0.1 instead of 0.0.0.0") !=
        std::string::npos);
  p.send(SIGINT);
  auto status = p.wait_until(clock_type::now() + bound);
  REQUIRE(status);
  CHECK(jobrt::test::describe_status(*status) == "exit 0");
}
