#include "options.hpp"

#include "cli/decimal_arg.hpp"

#include "jobrt/persistence/store_location.hpp"

#include <string_view>
#include <unistd.h>

namespace bench {

namespace {

using parse_result = jobrt::result<options, std::string>;

using jobrt::cli::decimal_range;

/// Counts of jobs, deadlines and round trips: enough for any machine's
/// memory, and far from wrapping anything derived from them.
constexpr decimal_range counts{1, 1'000'000'000};

/// The accepted values of each numeric flag.
decimal_range range_of(std::string_view flag) {
  if (flag == "--seed")
    return {};
  if (flag == "--scheduler-threads")
    return {0, 1024}; // 0: CAF's own default
  if (flag == "--max-in-flight")
    return {1, 1'000'000};
  if (flag == "--repeat")
    return {1, 1000};
  if (flag == "--nodes")
    return {1, 64};
  if (flag == "--node-child")
    return {0, 63};
  if (flag == "--connections")
    return {1, 512}; // each holds a thread here and one in the daemon
  return counts;
}

jobrt::result<std::uint64_t, std::string> parse_count(std::string_view flag,
                                                      std::string_view text) {
  auto value = jobrt::cli::parse_decimal_arg(flag, text, range_of(flag));
  if (!value)
    return value.error().message;
  return value.value();
}

/// W5's backlog when it runs with the others and --jobs is not given.
constexpr std::size_t backlog_jobs_in_all = 100'000;

/// Sets the workloads `text` names (and W5's default size with them).
jobrt::result<void, std::string> parse_workloads(options& opts,
                                                 std::string_view text) {
  opts.backlog_jobs = options{}.backlog_jobs;
  if (text == "w1")
    opts.workloads = {workload::w1};
  else if (text == "w2")
    opts.workloads = {workload::w2};
  else if (text == "w4")
    opts.workloads = {workload::w4};
  else if (text == "w5")
    opts.workloads = {workload::w5};
  else if (text == "http")
    opts.workloads = {workload::http};
  else if (text == "all") {
    opts.workloads = {workload::w1, workload::w2, workload::w4, workload::w5};
    opts.backlog_jobs = backlog_jobs_in_all;
  } else {
    return "--workload: expected w1, w2, w4, w5, http or all, got '" +
           std::string(text) + "'";
  }
  return jobrt::outcome::success();
}

/// Applies one "--flag value" pair to `opts`.
jobrt::result<void, std::string> apply(options& opts, std::string_view flag,
                                       std::string_view value) {
  if (flag == "--workload")
    return parse_workloads(opts, value);
  if (flag == "--store") {
    if (value != "memory" && value != "sqlite" && value != "postgresql")
      return "--store: 'memory', 'sqlite' or 'postgresql', got '" +
             std::string(value) + "'";
    opts.store = value;
    return jobrt::outcome::success();
  }
  if (flag == "--db") {
    opts.db = value;
    return jobrt::outcome::success();
  }
  if (flag == "--node-schema") {
    opts.node_schema = value;
    return jobrt::outcome::success();
  }
  if (flag == "--jobrtd") {
    opts.jobrtd = value;
    return jobrt::outcome::success();
  }
  if (flag == "--synchronous") {
    if (value != "full" && value != "normal")
      return "--synchronous: 'full' or 'normal', got '" + std::string(value) +
             "'";
    opts.synchronous_full = value == "full";
    return jobrt::outcome::success();
  }
  if (flag == "--seed") {
    auto parsed = parse_count(flag, value);
    if (!parsed)
      return parsed.error();
    opts.seed = parsed.value();
    return jobrt::outcome::success();
  }
  std::size_t* target = nullptr;
  if (flag == "--jobs")
    target = &opts.jobs.emplace();
  else if (flag == "--deadlines")
    target = &opts.deadlines;
  else if (flag == "--max-in-flight")
    target = &opts.max_in_flight;
  else if (flag == "--scheduler-threads")
    target = &opts.scheduler_threads;
  else if (flag == "--reference-trips")
    target = &opts.reference_trips;
  else if (flag == "--latency-jobs")
    target = &opts.latency_jobs;
  else if (flag == "--repeat")
    target = &opts.repeat;
  else if (flag == "--nodes")
    target = &opts.nodes;
  else if (flag == "--node-child")
    target = &opts.node_child.emplace();
  else if (flag == "--connections")
    target = &opts.connections;
  else if (flag == "--stored-jobs")
    target = &opts.stored_jobs;
  else
    return "unknown flag '" + std::string(flag) + "' (see --help)";
  auto parsed = parse_count(flag, value);
  if (!parsed)
    return parsed.error();
  *target = static_cast<std::size_t>(parsed.value());
  return jobrt::outcome::success();
}

} // namespace

/// A PostgreSQL --db selects the PostgreSQL store, for W1 and W2; --nodes
/// needs it (one runtime owns a SQLite file).
parse_result check_postgres(options& opts, bool store_given) {
  if (!jobrt::names_postgres(opts.db)) {
    if (opts.store == "postgresql")
      return std::string("--store postgresql needs --db postgresql://...");
    if (opts.nodes > 1)
      return std::string("--nodes needs --db postgresql://...");
    return opts;
  }
  if (store_given && opts.store != "postgresql")
    return "--store " + opts.store + " does not go with a postgresql:// --db";
  opts.store = "postgresql";
  for (auto w : opts.workloads)
    if (w != workload::w1 && w != workload::w2)
      return std::string("--db postgresql://... runs w1 or w2");
  return opts;
}

parse_result parse_options(int argc, char** argv) {
  options opts;
  bool store_given = false;
  opts.progress = isatty(STDOUT_FILENO) == 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      opts.help = true;
      return opts;
    }
    std::string_view flag = arg;
    std::string_view value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::string(flag) + ": missing value";
    }
    store_given = store_given || flag == "--store";
    opts.nodes_given = opts.nodes_given || flag == "--nodes";
    if (auto applied = apply(opts, flag, value); !applied)
      return applied.error();
  }
  if (opts.workloads.empty())
    return std::string("--workload is required (w1, w2, w4, w5, http or all)");
  if (opts.workloads == std::vector<workload>{workload::http}) {
    // The daemon's own store, which the targets are about.
    if (store_given && opts.store != "sqlite")
      return "--workload http runs on SQLite, not --store " + opts.store;
    opts.store = "sqlite";
  }
  return check_postgres(opts, store_given);
}

std::string usage() {
  return "usage: jobrt-bench --workload w1|w2|w4|w5|all [--store memory|sqlite]\n"
         "                   [--db PATH] [--synchronous full|normal] [--jobs N]\n"
         "                   [--deadlines N] [--max-in-flight N] [--scheduler-threads N]\n"
         "                   [--reference-trips N] [--latency-jobs N] [--repeat N]\n"
         "                   [--seed N] [--nodes N]\n"
         "       jobrt-bench --workload w1|w2 --db postgresql://... [--nodes N]\n"
         "       jobrt-bench --workload http [--jobs N] [--connections C] [--db PATH]\n"
         "                   [--jobrtd PATH] [--stored-jobs N]\n"
         "\n"
         "  w1   200,000 no-op jobs (--jobs), against a reference measured in the\n"
         "       same run: raw CAF request/reply of --reference-trips round trips\n"
         "       (default 1,000,000), or raw SQLite with --store sqlite\n"
         "  w2   20,000 jobs (--jobs), every third fails its first attempt\n"
         "  w4   1,000,000 deadlines (--deadlines) over 10 s on a timer actor\n"
         "  w5   a backlog: 1,000,000 jobs (--jobs) of 100 bytes enqueued while\n"
         "       none can run, then a new runtime on the same store drains them;\n"
         "       start time, peak RSS, drain rate. With --store memory the\n"
         "       store is one object in this process, so the RSS holds every job\n"
         "  all  w1, w2, w4, then w5 with 100,000 jobs unless --jobs is given\n"
         "       (--jobs sets every workload's count)\n"
         "  http a jobrtd process (--jobrtd, default the one beside this program)\n"
         "       on the SQLite file --db, over --connections C keep-alive\n"
         "       connections (default 16): GET /healthz (the reference), then\n"
         "       20,000 jobs (--jobs) enqueued one per POST /jobs and 20,000 in\n"
         "       arrays of 100; W1 on SQLite (PATH.w1) for comparison; then a new\n"
         "       daemon on a store of --stored-jobs jobs (default 1,000,000, a\n"
         "       quarter of them dead) answers 1,000 pages of\n"
         "       GET /jobs?state=dead&limit=50 on one connection, then on C\n"
         "\n"
         "  --store sqlite         W1/W2/W5 on the SQLite store in --db PATH\n"
         "                         (default jobrt-bench.db, replaced); W1's\n"
         "                         reference is then raw SQLite: per job an\n"
         "                         insert, a claim and a completion, each in a\n"
         "                         later transaction, 1,000 jobs per\n"
         "                         transaction, WAL, --synchronous (default\n"
         "                         full, as the store's default)\n"
         "  --db postgresql://...  W1/W2 on the PostgreSQL store, in a fresh\n"
         "                         schema bench_<pid> dropped at the end; W1's\n"
         "                         reference is then raw libpq on the same\n"
         "                         server: per job an insert and two updates,\n"
         "                         each in a later transaction, 1,000 jobs per\n"
         "                         transaction, synchronous_commit=on, one\n"
         "                         statement per row (the judged reference) and\n"
         "                         one per 1,000 rows (set-based, stronger)\n"
         "  --nodes N              PostgreSQL: N node processes (this program,\n"
         "                         started again) share one queue in a fresh\n"
         "                         schema, each enqueueing its share; the rate\n"
         "                         from the first enqueue until SQL counts every\n"
         "                         job finished, in total and per node. Without\n"
         "                         it W1/W2 run in this process\n"
         "  --max-in-flight N      runtime's max_in_flight in W1/W2/W5 (default 1024)\n"
         "  --scheduler-threads N  CAF scheduler threads of the W1/W2/W5 runtimes\n"
         "                         (default 1, the runtime's default;\n"
         "                         0: CAF's own, max(4, cores))\n"
         "  --repeat N             runs of the reference and of W2, medians\n"
         "                         reported (default 3)\n"
         "  --latency-jobs N       jobs of W1's enqueue-to-start latency run\n"
         "                         (default 20,000, 10 per ms)\n"
         "\n"
         "Every N is plain decimal digits (no sign, no 0x) within its flag's\n"
         "range (counts up to 1,000,000,000); the error names the range.\n"
         "\n"
         "Each workload prints a table, then one JSON line. Exit status 1 when\n"
         "a workload's correctness check fails; targets are only printed.\n";
}

} // namespace bench
