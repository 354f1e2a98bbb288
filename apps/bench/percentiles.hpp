#pragma once

// Order statistics of a latency sample.

#include <cstdint>
#include <vector>

namespace bench {

/// Nearest-rank percentiles of a sample, in milliseconds.
struct latency_summary {
  std::size_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

/// Summarises `samples_ns` (nanoseconds); sorts it in place.
latency_summary summarize_ns(std::vector<std::int64_t>& samples_ns);

/// The middle value (the mean of the two middle ones for an even count);
/// 0 for none.
double median(std::vector<double> values);

} // namespace bench
