#pragma once

// What a workload hands back to main after printing its own table and JSON
// line: whether its checks passed, its throughput for later ratios, and
// whether it could not go on at all (then main runs no further workload).

namespace bench {

struct workload_outcome {
  bool ok = true;
  double jobs_per_s = 0;
  bool stopped = false; ///< it said why on stderr; nothing was measured
};

} // namespace bench
