#include "daemon.hpp"

#include "event_hub.hpp"
#include "handlers/handler_factory.hpp"
#include "http_server.hpp"
#include "job_api.hpp"
#include "metrics_tally.hpp"

#include "jobrt/actors/runtime.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace jobrtd {

namespace {

using namespace std::chrono_literals;

jobrt::runtime_config runtime_config_of(const daemon_config& c,
                                        std::shared_ptr<spdlog::logger> log) {
  jobrt::runtime_config r;
  r.database = c.store.database;
  r.worker_threads = c.store.worker_threads;
  r.max_in_flight = c.store.max_in_flight;
  r.queue_concurrency = c.store.queue_concurrency;
  r.logger = std::move(log);
  return r;
}

/// Without tokens anyone who reaches the port is admin: only this machine.
void restrict_open_access(daemon_config& c, spdlog::logger& log) {
  if (!c.tokens.empty())
    return;
  if (!is_loopback(c.server.listen.host)) {
    log.warn("no tokens configured: listening on 127.0.0.1 instead of {}",
             c.server.listen.host);
    c.server.listen.host = "127.0.0.1";
  }
  log.warn("no tokens configured: every request is allowed, from this machine only");
}

jobrt::result<void, std::string> register_types(const daemon_config& c,
                                                jobrt::runtime& rt,
                                                plugin_loader& plugins) {
  for (const auto& type : c.types) {
    auto handler = make_handler(type.handler, plugins);
    if (!handler)
      return "types." + type.name + ": " + handler.error();
    if (auto ok = rt.handle(type.name, std::move(handler).value(), type.options); !ok)
      return "types." + type.name + "." + ok.error().message();
  }
  return jobrt::outcome::success();
}

} // namespace

jobrt::result<void, jobrt::config_error> check_handlers(const daemon_config& config) {
  plugin_loader plugins;
  for (const auto& type : config.types)
    if (auto handler = make_handler(type.handler, plugins); !handler)
      return jobrt::config_error{"types." + type.name, handler.error()};
  return jobrt::outcome::success();
}

int run_daemon(daemon_config config, const jobrt::cli::shutdown_signal& signals,
               std::shared_ptr<spdlog::logger> log) {
  restrict_open_access(config, *log);
  metrics_tally tally;
  event_hub hub(config.server.event_buffer, config.server.max_event_streams);
  plugin_loader plugins;
  jobrt::runtime rt(runtime_config_of(config, log));
  if (auto ok = register_types(config, rt, plugins); !ok) {
    log->error("{}", ok.error());
    return exit_cannot_start;
  }
  if (auto started = rt.start(); !started) {
    log->error("cannot start on {}: {}", config.store.database,
               jobrt::describe(started.error()));
    return exit_cannot_start;
  }
  auto subscribed = rt.subscribe([&](const jobrt::event_batch& batch) {
    tally.observe(batch);
    hub.publish(batch);
  });
  if (!subscribed) {
    log->error("cannot subscribe to events: {}", jobrt::describe(subscribed.error()));
    return exit_cannot_start;
  }
  access_policy access(config.tokens);
  job_api api(rt, tally, hub);
  http_server server(config.server, access, api, hub, *log);
  auto port = server.bind(config.server.listen);
  if (!port) {
    log->error("{}", port.error());
    return exit_cannot_start;
  }
  server.start();
  auto bound = config.server.listen;
  bound.port = port.value();
  std::printf("jobrtd: listening on %s\n", to_string(bound).c_str());
  std::fflush(stdout);
  log->info("listening on {} with {} job types, store {}", to_string(bound),
            config.types.size(), config.store.database);
  while (!signals.wait_for(1s)) {
  }
  log->info("{}: no longer accepting requests; draining for up to {} ms",
            signals.signal_name(), config.shutdown_grace.count());
  server.stop();
  auto report = rt.shutdown(config.shutdown_grace);
  if (!report) {
    log->error("shutdown: {}", jobrt::describe(report.error()));
    return 1;
  }
  log->info("stopped: {} attempts finished in the grace, {} released, {} "
            "handlers abandoned",
            report.value().finished_in_grace, report.value().released,
            report.value().abandoned_handlers);
  return 0;
}

} // namespace jobrtd
