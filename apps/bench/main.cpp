// jobrt-bench: the benchmark that ships with jobrt (STYLE.md, 7).
//
//   jobrt-bench --workload w1|w2|w4|w5|all --store memory|sqlite [--jobs N]
//   jobrt-bench --workload w1|w2 --db postgresql://... [--jobs N] [--nodes N]
//   jobrt-bench --workload http [--jobs N] [--connections C] [--db PATH]
//
// W1 measures the runtime's overhead on no-op jobs against a reference
// measured in the same run (raw CAF request/reply, or raw SQLite); W2 a
// retry storm; W4 the timer under a million deadlines; W5 a backlog of a
// million jobs drained by a new runtime. Each workload prints a table, then one JSON
// line. The exit status is non-zero when a workload's correctness check
// fails (performance targets are printed, never asserted), and 1 when a
// workload cannot go on (an enqueue refused, e.g. store_failure on a full
// disk, or jobs that stop finishing): it says why on stderr.
//
// SIGINT or SIGTERM stops the run (cli/shutdown_signal.hpp): the running
// workload stops enqueueing and shuts its runtime down, the rest are
// skipped, one line says so, and the exit status is 130 (SIGINT) or 143
// (SIGTERM).

#include "http_workload.hpp"
#include "node_child.hpp"
#include "node_group.hpp"
#include "options.hpp"
#include "postgres_schemas.hpp"
#include "w1_noop.hpp"
#include "w2_retry_storm.hpp"
#include "w4_timer.hpp"
#include "w5_backlog.hpp"

#include "cli/shutdown_signal.hpp"

#include <cstdio>
#include <optional>

namespace {

const char* name_of(bench::workload w) {
  switch (w) {
    case bench::workload::w1: return "W1";
    case bench::workload::w2: return "W2";
    case bench::workload::w4: return "W4";
    case bench::workload::w5: return "W5";
    case bench::workload::http: return "HTTP";
  }
  return "?";
}

} // namespace

int main(int argc, char** argv) {
  // First, before any thread exists: every thread inherits its mask.
  jobrt::cli::shutdown_signal interrupt;
  auto parsed = bench::parse_options(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "jobrt-bench: %s\n\n%s", parsed.error().c_str(),
                 bench::usage().c_str());
    return 2;
  }
  const auto& opts = parsed.value();
  if (opts.help) {
    std::printf("%s", bench::usage().c_str());
    return 0;
  }
  if (opts.node_child)
    return bench::run_node_child(opts, interrupt);
  if (opts.nodes_given && opts.store == "postgresql")
    return bench::run_node_group(
        opts, std::vector<std::string>(argv, argv + argc), interrupt);
  // The run's schema on PostgreSQL goes when the run does.
  bench::postgres_schema_dropper schema{
      opts.store == "postgresql" ? opts.db : std::string(),
      bench::run_schema()};
  bool ok = true;
  std::optional<double> w1_jobs_per_s;
  for (auto w : opts.workloads) {
    bench::workload_outcome outcome;
    switch (w) {
      case bench::workload::w1:
        outcome = bench::run_w1_noop(opts, interrupt);
        w1_jobs_per_s = outcome.jobs_per_s;
        break;
      case bench::workload::w2:
        outcome = bench::run_w2_retry_storm(opts, w1_jobs_per_s, interrupt);
        break;
      case bench::workload::w4:
        outcome = bench::run_w4_timer(opts, interrupt);
        break;
      case bench::workload::w5:
        outcome = bench::run_w5_backlog(opts, w1_jobs_per_s, interrupt);
        break;
      case bench::workload::http:
        outcome = bench::run_http(opts, interrupt);
        break;
    }
    if (interrupt.requested()) {
      std::fprintf(stderr, "jobrt-bench: interrupted by %s during %s\n",
                   interrupt.signal_name().data(), name_of(w));
      return interrupt.exit_code();
    }
    if (outcome.stopped)
      return 1;
    ok = ok && outcome.ok;
  }
  return ok ? 0 : 1;
}
