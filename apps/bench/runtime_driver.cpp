#include "runtime_driver.hpp"

#include "store_figures.hpp"

#include <caf/actor_system.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iterator>
#include <thread>

namespace bench {

namespace {

std::uint64_t terminal_count(const jobrt::runtime_stats& s) {
  return s.count(jobrt::job_state::completed) +
         s.count(jobrt::job_state::dead) +
         s.count(jobrt::job_state::cancelled);
}

} // namespace

jobrt::runtime_config bench_config(const options& opts) {
  jobrt::runtime_config config;
  config.worker_threads = 2;
  config.max_in_flight = opts.max_in_flight;
  config.scheduler_threads = opts.scheduler_threads;
  use_store(config, opts);
  config.logger = std::make_shared<spdlog::logger>(
      "jobrt", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  config.logger->set_level(spdlog::level::warn);
  return config;
}

std::size_t scheduler_threads(jobrt::runtime& rt) {
  return rt.system().scheduler().num_workers();
}

bool registered(const jobrt::config_check& check, const char* workload) {
  if (!check)
    std::fprintf(stderr, "%s: handler refused: %s\n", workload,
                 check.error().message().c_str());
  return static_cast<bool>(check);
}

bool start_runtime(jobrt::runtime& rt, const char* workload) {
  auto started = rt.start();
  if (!started)
    std::fprintf(stderr, "%s: the runtime did not start: %s\n", workload,
                 started.error().message.c_str());
  return static_cast<bool>(started);
}

enqueue_figures enqueue_in_batches(jobrt::runtime& rt, jobrt::job_specs specs,
                                   std::size_t batch) {
  enqueue_figures f;
  f.first_call = steady::now();
  for (auto begin = specs.begin(); begin != specs.end();) {
    auto end = begin + std::min<std::ptrdiff_t>(
                           static_cast<std::ptrdiff_t>(batch),
                           std::distance(begin, specs.end()));
    auto replies = rt.enqueue(jobrt::job_specs(std::make_move_iterator(begin),
                                               std::make_move_iterator(end)));
    for (const auto& reply : replies) {
      if (reply) {
        ++f.accepted;
      } else if (f.refused++ == 0) {
        f.first_refusal = reply.error().message;
      }
    }
    begin = end;
  }
  f.seconds = seconds_between(f.first_call, steady::now());
  return f;
}

completion wait_for_terminal(jobrt::runtime& rt, std::uint64_t terminal_jobs,
                             std::chrono::seconds limit, progress_bar& bar) {
  completion c;
  auto give_up = steady::now() + limit;
  while (steady::now() < give_up) {
    auto stats = rt.stats();
    if (!stats)
      return c;
    c.at = steady::now();
    c.stats = std::move(stats).value();
    auto done = terminal_count(c.stats);
    bar.update(static_cast<std::size_t>(done));
    if (done >= terminal_jobs) {
      c.reached = true;
      return c;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return c;
}

std::size_t payload_index(std::string_view payload) {
  std::size_t index = 0;
  std::from_chars(payload.data(), payload.data() + payload.size(), index);
  return index;
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             steady::now().time_since_epoch())
      .count();
}

double per_second(std::size_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

double seconds_between(steady::time_point from, steady::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

} // namespace bench
