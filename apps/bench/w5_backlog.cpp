#include "w5_backlog.hpp"

#include "completion_counter.hpp"
#include "runtime_driver.hpp"
#include "store_figures.hpp"
#include "w5_figures.hpp"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace bench {

namespace {

constexpr const char* backlog_type = "w5";
constexpr const char* plug_type = "w5-plug";
/// The backlog's queue, held shut by the plug in phase 1.
constexpr const char* backlog_queue = "w5";
constexpr std::size_t payload_bytes = 100;
constexpr std::size_t specs_per_call = 1000;
constexpr auto plug_patience = std::chrono::seconds(10);

/// A million jobs at a few thousand a second take minutes: the limit grows
/// with the backlog (a stall still ends the wait after stall_limit).
std::chrono::seconds drain_limit(std::size_t jobs) {
  return std::chrono::seconds(std::max<std::size_t>(300, jobs / 1000));
}

/// The specs [first, first + count): the index as decimal text, padded to
/// payload_bytes.
jobrt::job_specs backlog_specs(std::size_t first, std::size_t count) {
  jobrt::job_specs specs(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto& spec = specs[i];
    spec.type = backlog_type;
    spec.queue = backlog_queue;
    spec.payload = std::to_string(first + i);
    spec.payload.resize(payload_bytes, '.');
  }
  return specs;
}

/// The plug's handler: it holds the queue's one slot until the runtime
/// asks it to stop (at shutdown, which gives its job back).
jobrt::job_handler plug_handler(std::shared_ptr<completion_counter> started) {
  return [started](jobrt::job_context& ctx) -> jobrt::job_result {
    started->add();
    while (!ctx.sleep_for(std::chrono::seconds(1))) {
    }
    return jobrt::job_output{};
  };
}

/// Phase 1 without its runtime's start and shutdown; what stopped it, or
/// nothing.
std::string enqueue_backlog(jobrt::runtime& rt, completion_counter& plug,
                            backlog_fill& fill,
                            const jobrt::cli::shutdown_signal& interrupt) {
  jobrt::job_spec spec;
  spec.type = plug_type;
  spec.queue = backlog_queue;
  if (auto plugged = rt.enqueue(spec); !plugged)
    return "plug refused: " + jobrt::describe(plugged.error());
  if (plug.wait_for(1, plug_patience) < 1)
    return "the plug did not start";
  auto first_call = steady::now();
  for (std::size_t first = 0; first < fill.jobs; first += specs_per_call) {
    auto count = std::min(specs_per_call, fill.jobs - first);
    auto batch = enqueue_in_batches(rt, backlog_specs(first, count),
                                    specs_per_call, interrupt);
    fill.accepted += batch.accepted;
    if (!batch.stopped.empty())
      return batch.stopped;
  }
  fill.enqueue_s = seconds_between(first_call, steady::now());
  auto stats = rt.stats();
  if (!stats)
    return "stats refused: " + jobrt::describe(stats.error());
  fill.pending = stats.value().count(jobrt::job_state::pending);
  fill.attempts_started = stats.value().outcomes.attempts_started;
  fill.held_jobs_peak = stats.value().held_jobs_peak;
  return {};
}

/// Phase 1: the backlog, in a store that outlives its runtime. Nothing (the
/// run cannot go on) when it stopped; its store (null for SQLite) if not.
std::optional<std::shared_ptr<jobrt::job_store>>
fill_backlog(const options& opts, backlog_fill& fill,
             const jobrt::cli::shutdown_signal& interrupt) {
  auto config = bench_config(opts);
  config.queue_concurrency[backlog_queue] = 1;
  auto store = config.store;
  auto plug = std::make_shared<completion_counter>();
  jobrt::runtime rt{std::move(config)};
  if (!registered(rt.handle(plug_type, plug_handler(plug)), "W5") ||
      !registered(rt.handle(backlog_type, [](jobrt::job_context&) {
        return jobrt::job_result{jobrt::job_output{}};
      }), "W5") ||
      !start_runtime(rt, "W5"))
    return std::nullopt;
  if (auto why = enqueue_backlog(rt, *plug, fill, interrupt); !why.empty()) {
    stop_run(rt, "W5", why, interrupt);
    return std::nullopt;
  }
  fill.disk = size_of_database(opts.db);
  // No grace: the plug is given back at once, before its queue could
  // start anything else.
  (void) rt.shutdown(std::chrono::seconds(0));
  fill.ok = fill.accepted == fill.jobs && fill.pending == fill.jobs &&
            fill.attempts_started == 1;
  return store;
}

/// What phase 2's handler records: its first call, and each job's runs.
struct drain_marks {
  explicit drain_marks(std::size_t jobs) : runs(jobs) {}
  /// steady::now() of the first call, as a count since the clock's epoch.
  std::atomic<steady::rep> first_call{0};
  std::vector<std::atomic<std::uint8_t>> runs;
  completion_counter successes;
};

jobrt::job_handler drain_handler(std::shared_ptr<drain_marks> marks) {
  return [marks](jobrt::job_context& ctx) -> jobrt::job_result {
    steady::rep unset = 0;
    marks->first_call.compare_exchange_strong(
        unset, steady::now().time_since_epoch().count());
    auto index = payload_index(ctx.payload());
    if (index < marks->runs.size())
      marks->runs[index].fetch_add(1, std::memory_order_relaxed);
    marks->successes.add();
    return jobrt::job_output{};
  };
}

void check_drain(const drain_marks& marks, const completion& done,
                 backlog_drain& drain) {
  for (const auto& r : marks.runs) {
    if (r.load(std::memory_order_relaxed) == 1)
      ++drain.ran_once;
    else
      ++drain.ran_otherwise;
  }
  const auto& s = done.stats;
  auto jobs = marks.runs.size();
  // The plug waits, pending, for a handler this runtime does not have.
  drain.ok = done.reached && drain.ran_once == jobs &&
             s.count(jobrt::job_state::completed) == jobs &&
             s.outcomes.succeeded == jobs && s.without_handler == 1 &&
             s.count(jobrt::job_state::pending) == 1;
}

/// Phase 2; false when the run cannot go on (stop_run said why).
bool drain_backlog(const options& opts, std::shared_ptr<jobrt::job_store> store,
                   std::size_t jobs, backlog_drain& drain,
                   const jobrt::cli::shutdown_signal& interrupt) {
  auto marks = std::make_shared<drain_marks>(jobs);
  // What phase 1 freed goes back to the system, so phase 2's RSS is its
  // own (glibc keeps freed memory in its arenas otherwise).
  malloc_trim(0);
  drain.rss_before_bytes = resident_bytes().value_or(0);
  rss_sampler rss;
  auto config = measurement_config(opts);
  reuse_store(config, opts, std::move(store));
  jobrt::runtime rt{std::move(config)};
  if (!registered(rt.handle(backlog_type, drain_handler(marks)), "W5"))
    return false;
  auto start_call = steady::now();
  if (!start_runtime(rt, "W5"))
    return false;
  drain.start_call_s = seconds_between(start_call, steady::now());
  progress_bar bar(opts.progress, "W5 drain", jobs);
  auto done = wait_for_terminal(rt, marks->successes, jobs, drain_limit(jobs),
                                bar, interrupt);
  if (!done.stopped.empty()) {
    stop_run(rt, "W5", done.stopped, interrupt);
    return false;
  }
  drain.drain_s = seconds_between(start_call, done.at);
  drain.durable_lag_s = seconds_between(done.handlers_done, done.at);
  drain.start_s = seconds_between(
      start_call, steady::time_point(steady::duration(marks->first_call.load())));
  drain.stats = done.stats;
  drain.disk = size_of_database(opts.db);
  drain.commits = commit_figures_of(rt);
  (void) rt.shutdown(std::chrono::seconds(5));
  drain.rss = rss.stop();
  check_drain(*marks, done, drain);
  return true;
}

} // namespace

workload_outcome run_w5_backlog(const options& opts,
                                std::optional<double> w1_jobs_per_s,
                                const jobrt::cli::shutdown_signal& interrupt) {
  backlog_fill fill;
  fill.jobs = opts.jobs.value_or(opts.backlog_jobs);
  auto store = fill_backlog(opts, fill, interrupt);
  if (!store)
    return {false, 0, true};
  backlog_drain drain;
  if (!drain_backlog(opts, std::move(*store), fill.jobs, drain, interrupt))
    return {false, 0, true};
  print_w5(opts, fill, drain, w1_jobs_per_s);
  return {fill.ok && drain.ok, per_second(fill.jobs, drain.drain_s)};
}

} // namespace bench
