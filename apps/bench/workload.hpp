#pragma once

// What a workload hands back to main after printing its own table and JSON
// line: whether its checks passed, and its throughput for later ratios.

namespace bench {

struct workload_outcome {
  bool ok = true;
  double jobs_per_s = 0;
};

} // namespace bench
