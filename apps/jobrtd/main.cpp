// jobrtd: jobrt as a service. An HTTP API (docs/http-api.md) over one
// jobrt::runtime, with built-in exec and http handlers and C++ plug-ins.
//
//   jobrtd --config FILE [--listen ADDR:PORT] [--db PATH_OR_URI]
//          [--token ROLE=TOKEN]...
//   jobrtd --check-config FILE [same overrides]
//
// Exit codes: 0 done (also after SIGTERM/SIGINT and a drained shutdown),
// 1 usage, 2 bad config (the message names the key), 3 cannot start.

#include "command_line.hpp"
#include "daemon.hpp"
#include "daemon_config.hpp"

#include "cli/shutdown_signal.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

namespace {

constexpr int exit_bad_config = 2;

std::shared_ptr<spdlog::logger> make_logger(const std::string& level) {
  auto log = std::make_shared<spdlog::logger>(
      "jobrtd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  log->set_level(spdlog::level::from_str(level));
  return log;
}

} // namespace

int main(int argc, char** argv) {
  // Before any thread: every thread inherits the blocked SIGINT/SIGTERM,
  // and a write to a closed pipe or socket is an error, not death.
  std::signal(SIGPIPE, SIG_IGN);
  jobrt::cli::shutdown_signal signals;

  CLI::App app{"jobrtd: jobrt's job runtime as an HTTP service"};
  std::string config_path;
  std::string check_path;
  jobrtd::config_overrides overrides;
  auto* run = app.add_option("--config", config_path, "TOML config to run with");
  auto* check = app.add_option("--check-config", check_path,
                               "validate the TOML config and exit");
  run->excludes(check);
  check->excludes(run);
  app.add_option("--listen", overrides.listen, "ADDR:PORT (port 0: any free one)");
  app.add_option("--db", overrides.database, "SQLite path or database URI");
  app.add_option("--token", overrides.tokens,
                 "ROLE=TOKEN, repeatable; replaces the config's tokens");
  app.footer("Exit codes: 0 done, 1 usage, 2 bad config, 3 cannot start.");
  CLI11_PARSE(app, argc, argv);
  if (config_path.empty() && check_path.empty()) {
    std::cerr << "jobrtd: give --config FILE or --check-config FILE\n";
    return 1;
  }
  const auto& path = check_path.empty() ? config_path : check_path;
  auto config = jobrtd::load_config(path);
  if (config) {
    if (auto applied = jobrtd::apply_overrides(config.value(), overrides); !applied)
      config = applied.error();
  }
  if (config && !check_path.empty()) {
    if (auto handlers = jobrtd::check_handlers(config.value()); !handlers)
      config = handlers.error();
  }
  if (!config) {
    std::cerr << "jobrtd: " << config.error().message() << "\n";
    return exit_bad_config;
  }
  if (!check_path.empty()) {
    std::cout << "jobrtd: " << path << " is valid (" << config.value().types.size()
              << " job types)\n";
    return 0;
  }
  auto log = make_logger(config.value().log_level);
  return jobrtd::run_daemon(std::move(config).value(), signals, std::move(log));
}
