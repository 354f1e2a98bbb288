#pragma once

// The built jobrtd as a child process on 127.0.0.1 and a port of the
// system's choice (--listen 127.0.0.1:0; the daemon prints the port), on a
// SQLite file in a scratch directory, and HTTP clients to it. Waits are
// bounded polls of a real condition, never fixed sleeps.

#include "apps/child_process.hpp"
#include "persistence/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace jobrtd::test {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// Long enough for a start, a commit and a handler on a loaded machine.
inline constexpr auto bound = 20s;

/// Polls `condition` every 10 ms until it holds or `limit` passes.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = bound) {
  auto deadline = clock_type::now() + limit;
  while (!condition()) {
    if (clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// Job types every live test may use: echo (cat), fail (exit 2,
/// permanent), hang (ignores SIGTERM; 500 ms attempts, 2 of them), slow
/// (sleeps, then cat), reverse (the example plug-in). `extra` adds TOML.
inline std::string standard_config(const std::string& extra = "") {
  return std::string(R"(
shutdown_grace = "10s"
log_level = "info"

[server]
threads = 6
max_event_streams = 2
max_body_bytes = 65536

[types.echo]
handler = "exec"
[types.echo.exec]
command = ["cat"]

[types.fail]
handler = "exec"
[types.fail.exec]
command = ["sh", "-c", "echo 'bad input' >&2; exit 2"]
permanent_exit_codes = [2]

[types.hang]
handler = "exec"
timeout = "500ms"
[types.hang.exec]
command = ["sh", "-c", "trap '' TERM; echo $$ > \"$PID_DIR/pid.$JOBRT_ATTEMPT\"; while :; do sleep 1; done"]
kill_grace = "200ms"
[types.hang.exec.environment]
PID_DIR = "@DIR@"
[types.hang.retry]
max_attempts = 2
[types.hang.retry.backoff]
kind = "fixed"
delay = "100ms"

[types.slow]
handler = "exec"
[types.slow.exec]
command = ["sh", "-c", "touch \"$PID_DIR/started.$JOBRT_JOB_ID\"; sleep 1; cat"]
[types.slow.exec.environment]
PID_DIR = "@DIR@"

[types.reverse]
handler = "plugin"
[types.reverse.plugin]
library = ")") + JOBRTD_EXAMPLE_PLUGIN + R"("
function = "reverse"
)" + extra;
}

class running_daemon {
public:
  /// Starts jobrtd on `config` (each "@DIR@" replaced by the scratch
  /// directory) with `args` after the standard ones, and waits until it
  /// listens.
  explicit running_daemon(std::string config, std::vector<std::string> args = {},
                          const jobrt::test::scratch_dir* reuse = nullptr)
    : dir_(reuse ? *reuse : own_dir_) {
    for (auto at = config.find("@DIR@"); at != std::string::npos;
         at = config.find("@DIR@"))
      config.replace(at, 5, dir_.path().string());
    config_path_ = dir_.file("jobrtd.toml");
    std::ofstream(config_path_) << config;
    std::vector<std::string> argv{JOBRTD_PATH, "--config", config_path_,
                                  "--listen", "127.0.0.1:0",
                                  "--db", dir_.file("jobs.db")};
    argv.insert(argv.end(), args.begin(), args.end());
    process_.emplace(argv, dir_.file("jobrtd.out." + std::to_string(++starts_)));
    constexpr std::string_view prefix = "jobrtd: listening on 127.0.0.1:";
    INFO(process_->output());
    REQUIRE(process_->wait_for_output(std::string(prefix), clock_type::now() + bound));
    auto out = process_->output();
    auto at = out.find(prefix) + prefix.size();
    port_ = std::stoi(out.substr(at, out.find('\n', at) - at));
  }

  int port() const noexcept { return port_; }
  const jobrt::test::scratch_dir& dir() const noexcept { return dir_; }
  jobrt::test::child_process& process() { return *process_; }

  /// A client, with a bearer token when one is given.
  httplib::Client client(const std::string& token = "") const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    if (!token.empty())
      c.set_bearer_token_auth(token.c_str());
    return c;
  }

  /// GET `path`, which must answer 200 with JSON.
  nlohmann::json get_json(const std::string& path) const {
    auto c = client(token_);
    auto res = c.Get(path.c_str());
    REQUIRE(res);
    INFO(path << ": " << res->body);
    REQUIRE(res->status == 200);
    return nlohmann::json::parse(res->body);
  }

  /// POST `body` as JSON; the response (status and body).
  httplib::Result post(const std::string& path, const std::string& body) const {
    auto c = client(token_);
    return c.Post(path.c_str(), body, "application/json");
  }

  /// Enqueues one job of `type` with `payload`; its id.
  std::int64_t enqueue(const std::string& type, const std::string& payload = "") const {
    auto res = post("/jobs", nlohmann::json{{"type", type}, {"payload", payload}}.dump());
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return nlohmann::json::parse(res->body)["id"].get<std::int64_t>();
  }

  /// Waits until job `id` is in `state`; its record then.
  nlohmann::json wait_for_state(std::int64_t id, const std::string& state) const {
    nlohmann::json job;
    bool reached = eventually([&] {
      job = get_json("/jobs/" + std::to_string(id));
      return job["state"] == state;
    });
    INFO("job " << id << ": " << job.dump());
    REQUIRE(reached);
    return job;
  }

  /// The token the helpers send (none by default).
  void use_token(std::string token) { token_ = std::move(token); }

private:
  jobrt::test::scratch_dir own_dir_;
  const jobrt::test::scratch_dir& dir_;
  std::string config_path_;
  std::optional<jobrt::test::child_process> process_;
  int port_ = 0;
  std::string token_;
  inline static int starts_ = 0;
};

} // namespace jobrtd::test
