#include "runtime_driver.hpp"

#include "store_figures.hpp"

#include "jobrt/actors/runtime_caf.hpp"

#include <caf/actor_system.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iterator>
#include <optional>

namespace bench {

namespace {

std::uint64_t terminal_count(const jobrt::runtime_stats& s) {
  return s.count(jobrt::job_state::completed) +
         s.count(jobrt::job_state::dead) +
         s.count(jobrt::job_state::cancelled);
}

std::string interrupted(const jobrt::cli::shutdown_signal& interrupt) {
  return "interrupted by " + std::string(interrupt.signal_name());
}

std::string done_of(std::uint64_t done, std::uint64_t wanted) {
  return " (" + std::to_string(done) + " of " + std::to_string(wanted) +
         " jobs done)";
}

/// When no refusal in `replies` is a store_failure (an enqueue that timed
/// out, say) but the store cannot commit, " (store_failure: cause)": the
/// likely reason; otherwise nothing.
std::string store_failure_of(jobrt::runtime& rt,
                             const jobrt::enqueue_results& replies) {
  for (const auto& reply : replies)
    if (!reply &&
        reply.error().code == jobrt::request_error::code_type::store_failure)
      return {};
  auto stats = rt.stats();
  if (!stats || !stats.value().store_failure)
    return {};
  return " (store_failure: " + *stats.value().store_failure + ")";
}

/// Watches one wait: when a job last finished, and how long store_failure
/// has been set (as far as the stats it was shown tell). Says why the wait
/// must give up, or nothing.
class wait_watch {
public:
  wait_watch(std::uint64_t wanted, std::chrono::seconds limit)
    : wanted_(wanted), give_up_(steady::now() + limit), limit_(limit) {}

  /// How long no job finished.
  steady::duration quiet_for(steady::time_point now) const {
    return now - last_progress_;
  }

  /// `done`: jobs finished so far; `stats`: the runtime's, if just read.
  std::string check(std::uint64_t done, const jobrt::runtime_stats* stats,
                    steady::time_point now) {
    if (done != done_) {
      done_ = done;
      last_progress_ = now;
    }
    if (stats && !stats->store_failure)
      failing_since_ = not_failing;
    else if (stats && failing_since_ == not_failing)
      failing_since_ = now;
    if (stats && stats->store_failure &&
        now - failing_since_ >= store_failure_limit)
      return "store_failure for " + std::to_string(store_failure_limit.count()) +
             " s: " + *stats->store_failure + done_of(done, wanted_);
    if (quiet_for(now) >= stall_limit)
      return "no job finished for " + std::to_string(stall_limit.count()) +
             " s" + done_of(done, wanted_);
    if (now >= give_up_)
      return "not done after " + std::to_string(limit_.count()) + " s" +
             done_of(done, wanted_);
    return {};
  }

private:
  static constexpr auto not_failing = steady::time_point::max();

  std::uint64_t wanted_;
  steady::time_point give_up_;
  std::chrono::seconds limit_;
  std::uint64_t done_ = 0;
  steady::time_point last_progress_ = steady::now();
  steady::time_point failing_since_ = not_failing;
};

/// How often a wait on the handlers wakes to draw and to check the limits.
constexpr auto wake_every = std::chrono::milliseconds(100);
/// Quiet handlers for this long: stats() is read to see a store failure.
constexpr auto probe_after = std::chrono::seconds(1);

/// Until `successes` reaches `wanted`; what stopped the wait, or nothing.
std::string wait_for_handlers(jobrt::runtime& rt, completion_counter& successes,
                              std::uint64_t wanted, wait_watch& watch,
                              progress_bar& bar,
                              const jobrt::cli::shutdown_signal& interrupt) {
  for (;;) {
    auto done = successes.wait_for(wanted, wake_every);
    bar.update(static_cast<std::size_t>(done));
    if (done >= wanted)
      return {};
    if (interrupt.requested())
      return interrupted(interrupt);
    auto now = steady::now();
    std::optional<jobrt::runtime_stats> probe;
    if (watch.quiet_for(now) >= probe_after) {
      auto stats = rt.stats();
      if (!stats)
        return "stats refused: " + jobrt::describe(stats.error());
      probe = std::move(stats).value();
    }
    if (auto why = watch.check(done, probe ? &*probe : nullptr, now);
        !why.empty())
      return why;
  }
}

} // namespace

jobrt::runtime_config measurement_config(const options& opts) {
  jobrt::runtime_config config;
  config.worker_threads = 2;
  config.max_in_flight = opts.max_in_flight;
  // No-op jobs finish faster than a commit: the pool is given enough to
  // hide the store's latency, as the W1 target measures dispatch, not the
  // default hand-off (2 per thread), which favours long jobs.
  config.handoff_per_thread = std::max<std::size_t>(opts.max_in_flight / 2, 1);
  config.scheduler_threads = opts.scheduler_threads;
  // No answer of a healthy runtime takes seconds: a call that waits this
  // long ends the run instead of hanging it.
  config.request_timeout = std::chrono::seconds(20);
  config.logger = std::make_shared<spdlog::logger>(
      "jobrt", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  config.logger->set_level(spdlog::level::warn);
  return config;
}

jobrt::runtime_config bench_config(const options& opts) {
  auto config = measurement_config(opts);
  use_store(config, opts);
  return config;
}

std::size_t scheduler_threads(jobrt::runtime& rt) {
  return jobrt::runtime_caf::system(rt).scheduler().num_workers();
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
                                   std::size_t batch,
                                   const jobrt::cli::shutdown_signal& interrupt) {
  enqueue_figures f;
  f.first_call = steady::now();
  for (auto begin = specs.begin(); begin != specs.end();) {
    if (interrupt.requested()) {
      f.stopped = interrupted(interrupt);
      break;
    }
    auto end = begin + std::min<std::ptrdiff_t>(
                           static_cast<std::ptrdiff_t>(batch),
                           std::distance(begin, specs.end()));
    auto replies = rt.enqueue(jobrt::job_specs(std::make_move_iterator(begin),
                                               std::make_move_iterator(end)));
    for (const auto& reply : replies) {
      if (reply) {
        ++f.accepted;
      } else if (f.refused++ == 0) {
        f.stopped = "enqueue refused: " + jobrt::describe(reply.error());
      }
    }
    if (f.refused > 0) {
      f.stopped += store_failure_of(rt, replies);
      break;
    }
    begin = end;
  }
  f.seconds = seconds_between(f.first_call, steady::now());
  return f;
}

completion wait_for_terminal(jobrt::runtime& rt, completion_counter& successes,
                             std::uint64_t terminal_jobs,
                             std::chrono::seconds limit, progress_bar& bar,
                             const jobrt::cli::shutdown_signal& interrupt) {
  completion c;
  wait_watch watch{terminal_jobs, limit};
  c.stopped = wait_for_handlers(rt, successes, terminal_jobs, watch, bar,
                                interrupt);
  if (!c.stopped.empty())
    return c;
  c.handlers_done = steady::now();
  // Every handler returned; the last completions become durable within a
  // commit or two.
  for (;;) {
    auto stats = rt.stats();
    if (!stats) {
      c.stopped = "stats refused: " + jobrt::describe(stats.error());
      return c;
    }
    c.at = steady::now();
    c.stats = std::move(stats).value();
    auto done = terminal_count(c.stats);
    if (done >= terminal_jobs) {
      c.reached = true;
      return c;
    }
    c.stopped = watch.check(done, &c.stats, c.at);
    if (c.stopped.empty() && interrupt.wait_for(std::chrono::milliseconds(1)))
      c.stopped = interrupted(interrupt);
    if (!c.stopped.empty())
      return c;
  }
}

void stop_run(jobrt::runtime& rt, const char* workload, const std::string& why,
              const jobrt::cli::shutdown_signal& interrupt) {
  if (!interrupt.requested())
    std::fprintf(stderr, "%s: stopped: %s\n", workload, why.c_str());
  if (auto shut = rt.shutdown(std::chrono::seconds(5)); !shut)
    std::fprintf(stderr, "%s: shutdown failed: %s\n", workload,
                 jobrt::describe(shut.error()).c_str());
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
