#include "w1_noop.hpp"

#include "percentiles.hpp"
#include "reference.hpp"
#include "store_figures.hpp"
#include "report.hpp"
#include "runtime_driver.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

namespace bench {

namespace {

constexpr std::size_t specs_per_call = 1000;
/// The latency run enqueues this many jobs per call, one call per tick: a
/// steady load far below capacity, so the latency is not queueing delay.
constexpr std::size_t latency_batch = 10;
constexpr auto latency_tick = std::chrono::milliseconds(1);
constexpr auto completion_limit = std::chrono::seconds(300);

/// When each job of the latency run started (its handler's first line).
struct start_stamps {
  explicit start_stamps(std::size_t jobs) : ns(jobs) {}
  std::vector<std::atomic<std::int64_t>> ns;
};

jobrt::job_specs noop_specs(std::size_t jobs) {
  jobrt::job_specs specs(jobs);
  for (auto& spec : specs)
    spec.type = "noop";
  return specs;
}

struct throughput {
  enqueue_figures enqueue;
  completion done;
  double processing_per_s = 0;
  std::string stopped; ///< why the run could not go on; empty if it can
};

throughput run_noop_jobs(jobrt::runtime& rt, completion_counter& successes,
                         std::size_t jobs, const options& opts,
                         const jobrt::cli::shutdown_signal& interrupt) {
  throughput t;
  t.enqueue = enqueue_in_batches(rt, noop_specs(jobs), specs_per_call, interrupt);
  if (!t.enqueue.stopped.empty()) {
    t.stopped = t.enqueue.stopped;
    return t;
  }
  progress_bar bar(opts.progress, "W1 processing", jobs);
  t.done = wait_for_terminal(rt, successes, jobs, completion_limit, bar,
                             interrupt);
  t.stopped = t.done.stopped;
  t.processing_per_s =
      per_second(jobs, seconds_between(t.enqueue.first_call, t.done.at));
  return t;
}

struct latency_run {
  /// Per job, the time from just before its enqueue call to its start.
  std::vector<std::int64_t> ns;
  std::string stopped; ///< why the run could not go on; empty if it can
};

/// Enqueues `jobs` stamped jobs at a steady pace and measures, per job, the
/// time from just before its enqueue call to its handler's start.
latency_run measure_start_latency(jobrt::runtime& rt, const start_stamps& stamps,
                                  completion_counter& successes,
                                  std::uint64_t terminal_before,
                                  const options& opts,
                                  const jobrt::cli::shutdown_signal& interrupt) {
  auto jobs = stamps.ns.size();
  latency_run run;
  std::vector<std::int64_t> enqueued_ns(jobs);
  progress_bar bar(opts.progress, "W1 latency", jobs);
  auto next = steady::now();
  for (std::size_t first = 0; first < jobs; first += latency_batch) {
    auto last = std::min(jobs, first + latency_batch);
    jobrt::job_specs specs;
    for (auto i = first; i < last; ++i) {
      auto& spec = specs.emplace_back();
      spec.type = "stamped";
      spec.payload = std::to_string(i);
    }
    std::this_thread::sleep_until(next);
    next += latency_tick;
    std::fill(enqueued_ns.begin() + static_cast<std::ptrdiff_t>(first),
              enqueued_ns.begin() + static_cast<std::ptrdiff_t>(last),
              steady_ns());
    run.stopped = enqueue_in_batches(rt, std::move(specs), latency_batch,
                                     interrupt).stopped;
    if (!run.stopped.empty())
      return run;
    bar.update(first);
  }
  auto done = wait_for_terminal(rt, successes, terminal_before + jobs,
                                completion_limit, bar, interrupt);
  run.stopped = done.stopped;
  if (!done.reached)
    return run;
  run.ns.reserve(jobs);
  for (std::size_t i = 0; i < jobs; ++i)
    run.ns.push_back(stamps.ns[i].load(std::memory_order_relaxed) -
                     enqueued_ns[i]);
  return run;
}

void print_w1(const options& opts, std::size_t jobs, std::size_t threads,
              const store_reference& reference, const throughput& t,
              const latency_summary& latency, const commit_figures& commits,
              bool ok) {
  const auto& ref = reference.figures;
  auto ratio = t.processing_per_s / ref.replies_per_s;
  auto target = fixed(reference.target_ratio, 1);
  figure_table table("W1 noop: " + with_separators(static_cast<double>(jobs)) +
                     " jobs, " + opts.store + " store, worker_threads 2, "
                     "max_in_flight " + std::to_string(opts.max_in_flight) +
                     ", " + std::to_string(threads) + " CAF scheduler threads");
  std::string runs;
  for (auto r : ref.runs_per_s)
    runs += (runs.empty() ? "" : ", ") + with_separators(r);
  table.add(reference.label + ", median of " +
                std::to_string(ref.runs_per_s.size()),
            with_separators(ref.replies_per_s) + " per s", "(runs " + runs + ")");
  table.add("enqueue rate (" + std::to_string(specs_per_call) +
                " specs per call, while dispatching)",
            with_separators(per_second(t.enqueue.accepted, t.enqueue.seconds)) +
                " jobs/s");
  table.add("processing rate (first enqueue to all completed)",
            with_separators(t.processing_per_s) + " jobs/s",
            "target >= " +
                with_separators(reference.target_ratio * ref.replies_per_s) +
                " (" + target + " x reference)");
  table.add("ratio to reference", fixed(ratio, 3), "target >= " + target);
  add_set_reference_rows(table, reference, t.processing_per_s);
  auto label = "enqueue-to-start latency (" +
               with_separators(static_cast<double>(latency.count)) +
               " jobs, " + std::to_string(latency_batch) + " per " +
               std::to_string(latency_tick.count()) + " ms)";
  table.add(label + " p50", fixed(latency.p50_ms, 3) + " ms");
  table.add(label + " p99", fixed(latency.p99_ms, 3) + " ms");
  table.add(label + " max", fixed(latency.max_ms, 3) + " ms");
  table.add("working set peak (held_jobs_peak)",
            with_separators(static_cast<double>(t.done.stats.held_jobs_peak)));
  if (opts.store != "memory")
    add_rows(table, commits);
  table.add("all jobs completed", ok ? "OK" : "FAIL");
  table.print();
  nlohmann::ordered_json row{
      {"workload", "w1"},
      {"store", opts.store},
      {"nodes", opts.nodes},
      {"synchronous", opts.synchronous_full ? "full" : "normal"},
      {"jobs", jobs},
      {"jobs_per_s", t.processing_per_s},
      {"enqueue_per_s", per_second(t.enqueue.accepted, t.enqueue.seconds)},
      {"reference_per_s", ref.replies_per_s},
      {"reference_runs_per_s", ref.runs_per_s},
      {"ratio", ratio}};
  add_reference_json(row, reference, t.processing_per_s);
  row.update(nlohmann::ordered_json{
      {"max_in_flight", opts.max_in_flight},
      {"scheduler_threads", threads},
      {"start_latency_p50_ms", latency.p50_ms},
      {"start_latency_p99_ms", latency.p99_ms},
      {"held_jobs_peak", t.done.stats.held_jobs_peak},
      {"group_commit", commit_json(commits)},
      {"ok", ok}});
  emit_json(row);
}

} // namespace

workload_outcome run_w1_noop(const options& opts,
                             const jobrt::cli::shutdown_signal& interrupt) {
  auto jobs = opts.jobs.value_or(w1_default_jobs);
  auto ref = measure_store_reference(opts);
  if (interrupt.requested())
    return {false, 0};
  auto stamps = std::make_shared<start_stamps>(opts.latency_jobs);
  auto successes = std::make_shared<completion_counter>();
  jobrt::runtime rt{bench_config(opts)};
  auto noop = rt.handle("noop", [successes](jobrt::job_context&) {
    successes->add();
    return jobrt::job_result{jobrt::job_output{}};
  });
  auto stamped = rt.handle("stamped", [stamps, successes](jobrt::job_context& ctx) {
    stamps->ns[payload_index(ctx.payload())].store(steady_ns(),
                                              std::memory_order_relaxed);
    successes->add();
    return jobrt::job_result{jobrt::job_output{}};
  });
  if (!registered(noop, "W1") || !registered(stamped, "W1") ||
      !start_runtime(rt, "W1"))
    return {false, 0};
  auto threads = scheduler_threads(rt);
  auto t = run_noop_jobs(rt, *successes, jobs, opts, interrupt);
  if (!t.stopped.empty()) {
    stop_run(rt, "W1", t.stopped, interrupt);
    return {false, 0, true};
  }
  auto measured =
      measure_start_latency(rt, *stamps, *successes, jobs, opts, interrupt);
  if (!measured.stopped.empty()) {
    stop_run(rt, "W1", measured.stopped, interrupt);
    return {false, 0, true};
  }
  auto latency = summarize_ns(measured.ns);
  auto commits = commit_figures_of(rt);
  (void) rt.shutdown(std::chrono::seconds(5));
  bool ok = t.done.reached && t.enqueue.refused == 0 &&
            t.done.stats.outcomes.succeeded == jobs &&
            latency.count == opts.latency_jobs;
  print_w1(opts, jobs, threads, ref, t, latency, commits, ok);
  return {ok, t.processing_per_s};
}

} // namespace bench
