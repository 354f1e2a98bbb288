#include "w2_retry_storm.hpp"

#include "percentiles.hpp"
#include "report.hpp"
#include "runtime_driver.hpp"
#include "store_figures.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace bench {

bool fails_first_attempt(std::size_t index) { return index % 3 == 0; }

jobrt::job_type_options storm_options() {
  jobrt::job_type_options o;
  o.retry.max_attempts = 3;
  o.retry.backoff = jobrt::fixed_backoff{std::chrono::milliseconds(1)};
  o.retry.jitter = jobrt::jitter{jobrt::jitter_kind::none};
  o.breaker = std::nullopt;
  return o;
}

namespace {

constexpr std::size_t specs_per_call = 1000;
constexpr auto completion_limit = std::chrono::seconds(300);

/// Attempts each job's handler saw, indexed by the job's payload index,
/// and the attempts that succeeded (what the wait sleeps on).
struct attempt_counts {
  explicit attempt_counts(std::size_t jobs) : per_job(jobs) {}
  std::vector<std::atomic<std::int32_t>> per_job;
  completion_counter successes;
};

jobrt::job_handler flaky_handler(std::shared_ptr<attempt_counts> counts) {
  return [counts](jobrt::job_context& ctx) -> jobrt::job_result {
    auto index = payload_index(ctx.payload());
    counts->per_job[index].fetch_add(1, std::memory_order_relaxed);
    if (fails_first_attempt(index) && ctx.attempt() == 1)
      return jobrt::job_error::transient("bench_flaky",
                                         "fails its first attempt");
    counts->successes.add();
    return jobrt::job_output{};
  };
}

jobrt::job_specs storm_specs(std::size_t jobs) {
  jobrt::job_specs specs(jobs);
  for (std::size_t i = 0; i < jobs; ++i) {
    specs[i].type = "flaky";
    specs[i].payload = std::to_string(i);
  }
  return specs;
}

/// What the handler and the runtime saw, against what must have happened.
struct storm_check {
  std::size_t expected_second = 0;
  std::size_t second_attempts = 0; ///< jobs whose handler ran exactly twice
  std::size_t odd_counts = 0;      ///< jobs that ran neither once nor twice
  bool ok = false;
};

storm_check check_storm(const attempt_counts& counts, const completion& done,
                        std::size_t jobs) {
  storm_check c;
  c.expected_second = (jobs + 2) / 3;
  for (std::size_t i = 0; i < jobs; ++i) {
    auto n = counts.per_job[i].load(std::memory_order_relaxed);
    if (n == 2 && fails_first_attempt(i))
      ++c.second_attempts;
    else if (n != 1 || fails_first_attempt(i))
      ++c.odd_counts;
  }
  const auto& o = done.stats.outcomes;
  c.ok = done.reached && o.succeeded == jobs && o.dead_lettered == 0 &&
         o.retries_scheduled == c.expected_second &&
         c.second_attempts == c.expected_second && c.odd_counts == 0;
  return c;
}

/// One W2 run on a fresh runtime.
struct storm_run {
  std::size_t scheduler_threads = 0;
  double jobs_per_s = 0;
  completion done;
  storm_check check;
  commit_figures commits;
};

void print_w2(const options& opts, std::size_t jobs,
              const std::vector<storm_run>& runs, double jobs_per_s, bool ok,
              std::optional<double> w1_jobs_per_s) {
  std::string rates;
  for (const auto& r : runs)
    rates += (rates.empty() ? "" : ", ") + with_separators(r.jobs_per_s);
  figure_table table("W2 retry storm: " +
                     with_separators(static_cast<double>(jobs)) + " jobs, " +
                     opts.store + " store, every 3rd fails once, fixed 1 ms "
                     "backoff, no breaker, max_in_flight " +
                     std::to_string(opts.max_in_flight) + ", " +
                     std::to_string(runs.front().scheduler_threads) +
                     " CAF scheduler threads");
  table.add("processing rate (first enqueue to all completed), median of " +
                std::to_string(runs.size()),
            with_separators(jobs_per_s) + " jobs/s",
            w1_jobs_per_s ? "target >= " + with_separators(0.7 * *w1_jobs_per_s) +
                                " (70% of W1)"
                          : "target 70% of W1 (run --workload all to compare)");
  table.add("rates of the runs", rates);
  std::optional<double> ratio;
  if (w1_jobs_per_s && *w1_jobs_per_s > 0) {
    ratio = jobs_per_s / *w1_jobs_per_s;
    table.add("ratio to W1", fixed(*ratio, 3), "target >= 0.7");
  }
  const auto& last = runs.back();
  const auto& o = last.done.stats.outcomes;
  auto expected = with_separators(static_cast<double>(last.check.expected_second));
  table.add("completed (last run)",
            with_separators(static_cast<double>(o.succeeded)),
            "expected " + with_separators(static_cast<double>(jobs)));
  table.add("second attempts (handler counts, last run)",
            with_separators(static_cast<double>(last.check.second_attempts)),
            "expected " + expected);
  table.add("retries scheduled (runtime stats, last run)",
            with_separators(static_cast<double>(o.retries_scheduled)),
            "expected " + expected);
  table.add("jobs run neither as expected (last run)",
            std::to_string(last.check.odd_counts), "expected 0");
  std::size_t passed = 0;
  for (const auto& r : runs)
    passed += r.check.ok ? 1 : 0;
  if (opts.store != "memory")
    add_rows(table, last.commits);
  table.add("check", std::string(ok ? "OK" : "FAIL") + " (" +
                         std::to_string(passed) + " of " +
                         std::to_string(runs.size()) + " runs)");
  table.print();
  std::vector<double> per_run;
  for (const auto& r : runs)
    per_run.push_back(r.jobs_per_s);
  emit_json({{"workload", "w2"},
             {"store", opts.store},
             {"nodes", opts.nodes},
             {"synchronous", opts.synchronous_full ? "full" : "normal"},
             {"jobs", jobs},
             {"jobs_per_s", jobs_per_s},
             {"runs_per_s", per_run},
             {"ratio_to_w1",
              ratio ? nlohmann::ordered_json(*ratio) : nlohmann::ordered_json()},
             {"second_attempts", last.check.second_attempts},
             {"retries_scheduled", o.retries_scheduled},
             {"expected_second_attempts", last.check.expected_second},
             {"group_commit", commit_json(last.commits)},
             {"ok", ok}});
}

/// Nothing when the run could not go on (already reported by stop_run).
std::optional<storm_run> run_storm_once(const options& opts, std::size_t jobs,
                                        const jobrt::cli::shutdown_signal& interrupt) {
  auto counts = std::make_shared<attempt_counts>(jobs);
  jobrt::runtime rt{bench_config(opts)};
  if (!registered(rt.handle("flaky", flaky_handler(counts), storm_options()),
                  "W2") ||
      !start_runtime(rt, "W2"))
    return std::nullopt;
  storm_run run;
  run.scheduler_threads = scheduler_threads(rt);
  auto enqueue =
      enqueue_in_batches(rt, storm_specs(jobs), specs_per_call, interrupt);
  if (!enqueue.stopped.empty()) {
    stop_run(rt, "W2", enqueue.stopped, interrupt);
    return std::nullopt;
  }
  {
    progress_bar bar(opts.progress, "W2 retry storm", jobs);
    run.done = wait_for_terminal(rt, counts->successes, jobs, completion_limit,
                                 bar, interrupt);
  }
  if (!run.done.stopped.empty()) {
    stop_run(rt, "W2", run.done.stopped, interrupt);
    return std::nullopt;
  }
  run.commits = commit_figures_of(rt);
  (void) rt.shutdown(std::chrono::seconds(5));
  run.jobs_per_s =
      per_second(jobs, seconds_between(enqueue.first_call, run.done.at));
  run.check = check_storm(*counts, run.done, jobs);
  return run;
}

} // namespace

workload_outcome run_w2_retry_storm(const options& opts,
                                    std::optional<double> w1_jobs_per_s,
                                    const jobrt::cli::shutdown_signal& interrupt) {
  auto jobs = opts.jobs.value_or(w2_default_jobs);
  std::vector<storm_run> runs;
  std::vector<double> rates;
  bool ok = true;
  for (std::size_t i = 0; i < opts.repeat; ++i) {
    auto run = run_storm_once(opts, jobs, interrupt);
    if (!run)
      return {false, 0, true};
    ok = ok && run->check.ok;
    rates.push_back(run->jobs_per_s);
    runs.push_back(std::move(*run));
  }
  auto jobs_per_s = median(rates);
  print_w2(opts, jobs, runs, jobs_per_s, ok, w1_jobs_per_s);
  return {ok, jobs_per_s};
}

} // namespace bench
