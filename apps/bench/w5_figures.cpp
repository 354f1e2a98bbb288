#include "w5_figures.hpp"

#include "report.hpp"
#include "runtime_driver.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace bench {

namespace {

constexpr double start_target_s = 0.5;
constexpr double rss_target_mib = 150;
/// Of W1's processing rate on the same store.
constexpr double drain_target_ratio = 0.9;
/// The backlog whose disk need is estimated from this run's.
constexpr double estimate_jobs = 10'000'000;

double mib(std::int64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}
double mib(std::uint64_t bytes) { return mib(static_cast<std::int64_t>(bytes)); }

/// The kernel's VmHWM when the reset worked (exact), else the sampled peak.
double peak_rss_mib(const rss_peak& p) {
  return mib(p.kernel_bytes.value_or(p.sampled_bytes));
}

const char* peak_rss_source(const rss_peak& p) {
  return p.kernel_bytes ? "VmHWM after clear_refs" : "VmRSS sampled every 10 ms";
}

/// Disk for estimate_jobs jobs: the database grows with its rows; the WAL
/// with the checkpoints' lag, not with the backlog, so its largest size here
/// is added once.
double estimated_disk_gib(const backlog_fill& fill, const backlog_drain& drain) {
  auto scale = estimate_jobs / static_cast<double>(fill.jobs);
  auto main = std::max(fill.disk.main_bytes, drain.disk.main_bytes);
  auto wal = std::max(fill.disk.wal_bytes, drain.disk.wal_bytes);
  return (scale * static_cast<double>(main) + static_cast<double>(wal)) /
         (1024.0 * 1024.0 * 1024.0);
}

std::string drain_note(std::optional<double> w1_jobs_per_s) {
  if (!w1_jobs_per_s)
    return "target " + fixed(drain_target_ratio, 1) +
           " x W1 on this store (run --workload all to compare)";
  return "target >= " + with_separators(drain_target_ratio * *w1_jobs_per_s) +
         " (" + fixed(drain_target_ratio, 1) + " x W1)";
}

void add_disk_rows(figure_table& table, const backlog_fill& fill,
                   const backlog_drain& drain) {
  auto text = [](const database_size& d) {
    return fixed(mib(d.total()), 1) + " MiB";
  };
  auto parts = [](const database_size& d) {
    return "(" + fixed(mib(d.main_bytes), 1) + " + WAL " +
           fixed(mib(d.wal_bytes), 1) + ")";
  };
  table.add("database after the enqueue", text(fill.disk), parts(fill.disk));
  table.add("database after the drain", text(drain.disk), parts(drain.disk));
  table.add("disk for " + with_separators(estimate_jobs) + " jobs, estimated",
            fixed(estimated_disk_gib(fill, drain), 2) + " GiB",
            "(the database scaled, plus the largest WAL)");
}

void print_table(const options& opts, const backlog_fill& fill,
                 const backlog_drain& drain,
                 std::optional<double> w1_jobs_per_s) {
  auto jobs = static_cast<double>(fill.jobs);
  auto drain_per_s = per_second(fill.jobs, drain.drain_s);
  bool memory = opts.store != "sqlite";
  figure_table table("W5 backlog: " + with_separators(jobs) +
                     " jobs of 100 bytes, " + opts.store +
                     " store, worker_threads 2, max_in_flight " +
                     std::to_string(opts.max_in_flight));
  table.add("enqueue rate (" + with_separators(1000) +
                " specs per call, nothing can run)",
            with_separators(per_second(fill.accepted, fill.enqueue_s)) +
                " jobs/s");
  table.add("working set peak while enqueueing (held_jobs_peak)",
            with_separators(static_cast<double>(fill.held_jobs_peak)));
  table.add("start() returned after", fixed(drain.start_call_s, 3) + " s");
  table.add("start() to the first attempt (start_s)",
            fixed(drain.start_s, 3) + " s",
            "target <= " + fixed(start_target_s, 1));
  table.add("drain rate (start() to all completed and durable)",
            with_separators(drain_per_s) + " jobs/s", drain_note(w1_jobs_per_s));
  if (w1_jobs_per_s && *w1_jobs_per_s > 0)
    table.add("ratio to W1", fixed(drain_per_s / *w1_jobs_per_s, 3),
              "target >= " + fixed(drain_target_ratio, 1));
  table.add("last handler return to the store showing all durable",
            fixed(drain.durable_lag_s, 3) + " s",
            "(within the drain; bounds the stats() reads' share)");
  table.add("working set peak while draining (held_jobs_peak)",
            with_separators(static_cast<double>(drain.stats.held_jobs_peak)),
            "the backlog holds " + with_separators(jobs));
  table.add("peak RSS of phase 2 (" + std::string(peak_rss_source(drain.rss)) +
                ")",
            fixed(peak_rss_mib(drain.rss), 1) + " MiB",
            memory ? "no target: the memory store holds every job here"
                   : "target <= " + fixed(rss_target_mib, 0) + " at 1,000,000 jobs");
  table.add("peak RSS sampled every 10 ms / RSS before phase 2",
            fixed(mib(drain.rss.sampled_bytes), 1) + " / " +
                fixed(mib(drain.rss_before_bytes), 1) + " MiB");
  if (!memory) {
    add_rows(table, drain.commits);
    add_disk_rows(table, fill, drain);
  }
  table.add("enqueued, all pending, nothing run", fill.ok ? "OK" : "FAIL");
  table.add("every job ran exactly once, completed", drain.ok ? "OK" : "FAIL",
            with_separators(static_cast<double>(drain.ran_once)) + " once, " +
                with_separators(static_cast<double>(drain.ran_otherwise)) +
                " otherwise");
  table.print();
}

nlohmann::ordered_json disk_json(const database_size& d) {
  return {{"main_bytes", d.main_bytes}, {"wal_bytes", d.wal_bytes}};
}

} // namespace

void print_w5(const options& opts, const backlog_fill& fill,
              const backlog_drain& drain,
              std::optional<double> w1_jobs_per_s) {
  print_table(opts, fill, drain, w1_jobs_per_s);
  auto drain_per_s = per_second(fill.jobs, drain.drain_s);
  nlohmann::ordered_json ratio;
  if (w1_jobs_per_s && *w1_jobs_per_s > 0)
    ratio = drain_per_s / *w1_jobs_per_s;
  nlohmann::ordered_json row{
      {"workload", "w5"},
      {"store", opts.store},
      {"synchronous", opts.synchronous_full ? "full" : "normal"},
      {"jobs", fill.jobs},
      {"enqueue_per_s", per_second(fill.accepted, fill.enqueue_s)},
      {"start_s", drain.start_s},
      {"start_call_s", drain.start_call_s},
      {"peak_rss_mb", peak_rss_mib(drain.rss)},
      {"peak_rss_source", peak_rss_source(drain.rss)},
      {"peak_rss_sampled_mb", mib(drain.rss.sampled_bytes)},
      {"rss_before_mb", mib(drain.rss_before_bytes)},
      {"drain_per_s", drain_per_s},
      {"durable_lag_s", drain.durable_lag_s},
      {"ratio_to_w1", ratio},
      {"held_jobs_peak", drain.stats.held_jobs_peak},
      {"enqueue_held_jobs_peak", fill.held_jobs_peak},
      {"max_in_flight", opts.max_in_flight}};
  if (opts.store == "sqlite") {
    row["disk_after_enqueue"] = disk_json(fill.disk);
    row["disk_after_drain"] = disk_json(drain.disk);
    row["disk_estimate_10m_gib"] = estimated_disk_gib(fill, drain);
    row["group_commit"] = commit_json(drain.commits);
  }
  row["ok"] = fill.ok && drain.ok;
  emit_json(row);
}

} // namespace bench
