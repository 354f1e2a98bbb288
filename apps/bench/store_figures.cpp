#include "store_figures.hpp"

#include "database_files.hpp"
#include "percentiles.hpp"
#include "postgres_reference.hpp"
#include "postgres_schemas.hpp"
#include "sqlite_reference.hpp"

#include "jobrt/persistence/memory_store.hpp"

#include <algorithm>
#include <cstdio>

namespace bench {

namespace {

/// Jobs of one raw SQLite reference run: about a second on this machine.
constexpr std::size_t sqlite_reference_jobs = 100'000;
/// Jobs of one raw libpq reference run: a few seconds each on this machine.
constexpr std::size_t postgres_reference_jobs = 100'000;

/// Runs `measure` `runs` times (the same schema each time); the median.
template <class Measure>
reference_figures postgres_runs(const options& opts, const char* name,
                                Measure measure) {
  reference_figures f;
  // As for SQLite: the reference makes the store's own writes.
  f.round_trips = postgres_reference_jobs;
  for (std::size_t i = 0; i < std::max<std::size_t>(opts.repeat, 1); ++i) {
    auto run = measure(opts.db, run_schema() + "_reference",
                       postgres_reference_jobs);
    if (!run) {
      std::fprintf(stderr, "raw libpq %s reference failed: %s\n", name,
                   run.error().c_str());
      continue;
    }
    f.runs_per_s.push_back(run.value().jobs_per_s);
  }
  f.replies_per_s = median(f.runs_per_s);
  return f;
}

store_reference postgres_store_reference(const options& opts) {
  store_reference ref;
  ref.figures = postgres_runs(opts, "per-row", measure_postgres_row_reference);
  ref.set_based = postgres_runs(opts, "set", measure_postgres_reference);
  // The whole of them is in postgres_reference.hpp; the labels name the work.
  auto common = ", 1,000 jobs per transaction, one pipeline each, "
                "synchronous_commit=on, " +
                with_separators(static_cast<double>(postgres_reference_jobs)) +
                " jobs";
  ref.label = "reference: raw libpq per row, an INSERT and two UPDATEs per "
              "job" + common;
  ref.set_label = "stronger reference: raw libpq set-based, one statement "
                  "per write over 1,000 ids" + common;
  return ref;
}

double ratio_of(double jobs_per_s, const reference_figures& f) {
  return f.replies_per_s > 0 ? jobs_per_s / f.replies_per_s : 0.0;
}

} // namespace

void use_store(jobrt::runtime_config& config, const options& opts) {
  if (opts.store == "postgresql") {
    (void) drop_postgres_schema(opts.db, run_schema());
    reuse_store(config, opts, nullptr);
    return;
  }
  if (opts.store != "sqlite") {
    config.store = std::make_shared<jobrt::memory_store>();
    return;
  }
  remove_database(opts.db);
  reuse_store(config, opts, nullptr);
}

void reuse_store(jobrt::runtime_config& config, const options& opts,
                 std::shared_ptr<jobrt::job_store> memory) {
  if (opts.store == "postgresql") {
    config.database = opts.db;
    config.postgres.schema = run_schema();
    config.retention = jobrt::retention_policy::keep_all();
    return;
  }
  if (opts.store != "sqlite") {
    config.store = std::move(memory);
    return;
  }
  config.database = opts.db;
  config.sqlite.synchronous = opts.synchronous_full
                                  ? jobrt::sqlite_options::sync_mode::full
                                  : jobrt::sqlite_options::sync_mode::normal;
  // Pruning would add removals to W1's writes; a benchmark keeps its jobs.
  config.retention = jobrt::retention_policy::keep_all();
}

store_reference measure_store_reference(const options& opts) {
  if (opts.store == "postgresql")
    return postgres_store_reference(opts);
  store_reference ref;
  if (opts.store != "sqlite") {
    ref.figures = measure_reference(opts.reference_trips, opts.repeat);
    ref.label = "reference: CAF request/reply, window " +
                std::to_string(ref.figures.window) + " over " +
                std::to_string(ref.figures.workers) + " actors, " +
                with_separators(static_cast<double>(ref.figures.round_trips)) +
                " trips";
    return ref;
  }
  // The reference makes the runtime's own writes with nothing around them;
  // the runtime adds only CPU work that overlaps with the disk's.
  ref.target_ratio = 0.9;
  ref.figures.round_trips = sqlite_reference_jobs;
  for (std::size_t i = 0; i < std::max<std::size_t>(opts.repeat, 1); ++i) {
    auto run = measure_sqlite_reference(opts.db + ".reference",
                                        sqlite_reference_jobs,
                                        opts.synchronous_full);
    if (!run) {
      std::fprintf(stderr, "raw SQLite reference failed: %s\n",
                   run.error().c_str());
      continue;
    }
    ref.figures.runs_per_s.push_back(run.value().jobs_per_s);
  }
  ref.figures.replies_per_s = median(ref.figures.runs_per_s);
  // The whole of it is in sqlite_reference.hpp; the label names the work.
  ref.label = std::string("reference: raw SQLite, insert + claim + "
                          "completion per job, 1,000 per transaction, "
                          "synchronous=") +
              (opts.synchronous_full ? "FULL" : "NORMAL") + ", " +
              with_separators(static_cast<double>(sqlite_reference_jobs)) +
              " jobs";
  return ref;
}

void add_set_reference_rows(figure_table& table, const store_reference& ref,
                            double jobs_per_s) {
  if (!ref.set_based)
    return;
  const auto& f = *ref.set_based;
  std::string runs;
  for (auto r : f.runs_per_s)
    runs += (runs.empty() ? "" : ", ") + with_separators(r);
  table.add(ref.set_label + ", median of " + std::to_string(f.runs_per_s.size()),
            with_separators(f.replies_per_s) + " per s", "(runs " + runs + ")");
  table.add("ratio to the set-based reference", fixed(ratio_of(jobs_per_s, f), 3),
            "no target");
}

void add_reference_json(nlohmann::ordered_json& row, const store_reference& ref,
                        double jobs_per_s) {
  if (!ref.set_based)
    return;
  row["reference_per_row_per_s"] = ref.figures.replies_per_s;
  row["reference_per_row_runs_per_s"] = ref.figures.runs_per_s;
  row["reference_set_per_s"] = ref.set_based->replies_per_s;
  row["reference_set_runs_per_s"] = ref.set_based->runs_per_s;
  row["ratio_to_per_row"] = ratio_of(jobs_per_s, ref.figures);
  row["ratio_to_set"] = ratio_of(jobs_per_s, *ref.set_based);
}

commit_figures commit_figures_of(jobrt::runtime& rt) {
  commit_figures c;
  if (auto stats = rt.commit_stats())
    c.stats = stats.value();
  if (c.stats.transactions > 0) {
    auto n = static_cast<double>(c.stats.transactions);
    c.turns_per_transaction = static_cast<double>(c.stats.turns) / n;
    c.rows_per_transaction = static_cast<double>(c.stats.rows) / n;
  }
  return c;
}

void add_rows(figure_table& table, const commit_figures& c) {
  const auto& s = c.stats;
  table.add("store transactions (group commits)",
            with_separators(static_cast<double>(s.transactions)),
            s.failures > 0 ? std::to_string(s.failures) + " failed" : "");
  table.add("supervisor turns per transaction, mean / max",
            fixed(c.turns_per_transaction, 1) + " / " +
                std::to_string(s.max_turns_per_transaction));
  table.add("rows per transaction, mean / max",
            fixed(c.rows_per_transaction, 1) + " / " +
                std::to_string(s.max_rows_per_transaction));
}

nlohmann::ordered_json commit_json(const commit_figures& c) {
  const auto& s = c.stats;
  return {{"transactions", s.transactions},
          {"turns_per_transaction", c.turns_per_transaction},
          {"rows_per_transaction", c.rows_per_transaction},
          {"max_turns_per_transaction", s.max_turns_per_transaction},
          {"max_rows_per_transaction", s.max_rows_per_transaction},
          {"failures", s.failures}};
}

} // namespace bench
