// jobrt-bench: the benchmark that ships with jobrt (STYLE.md, 7).
//
//   jobrt-bench --workload w1|w2|w4|all --store memory [--jobs N]
//
// W1 measures the runtime's overhead on no-op jobs against raw CAF
// request/reply measured in the same run; W2 a retry storm; W4 the timer
// under a million deadlines. Each workload prints a table, then one JSON
// line. The exit status is non-zero when a workload's correctness check
// fails (performance targets are printed, never asserted).

#include "options.hpp"
#include "w1_noop.hpp"
#include "w2_retry_storm.hpp"
#include "w4_timer.hpp"

#include <cstdio>
#include <optional>

int main(int argc, char** argv) {
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
  bool ok = true;
  std::optional<double> w1_jobs_per_s;
  for (auto w : opts.workloads) {
    bench::workload_outcome outcome;
    switch (w) {
      case bench::workload::w1:
        outcome = bench::run_w1_noop(opts);
        w1_jobs_per_s = outcome.jobs_per_s;
        break;
      case bench::workload::w2:
        outcome = bench::run_w2_retry_storm(opts, w1_jobs_per_s);
        break;
      case bench::workload::w4: outcome = bench::run_w4_timer(opts); break;
    }
    ok = ok && outcome.ok;
  }
  return ok ? 0 : 1;
}
