#include "percentiles.hpp"

#include <algorithm>
#include <cmath>

namespace bench {

namespace {

double to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

/// The smallest sample with at least `p` of the sample at or below it.
std::int64_t nearest_rank(const std::vector<std::int64_t>& sorted, double p) {
  auto rank = static_cast<std::size_t>(
      std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

} // namespace

latency_summary summarize_ns(std::vector<std::int64_t>& samples_ns) {
  latency_summary s;
  s.count = samples_ns.size();
  if (samples_ns.empty())
    return s;
  std::sort(samples_ns.begin(), samples_ns.end());
  s.p50_ms = to_ms(nearest_rank(samples_ns, 0.50));
  s.p99_ms = to_ms(nearest_rank(samples_ns, 0.99));
  s.max_ms = to_ms(samples_ns.back());
  return s;
}

double median(std::vector<double> values) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  auto mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid]
                                 : (values[mid - 1] + values[mid]) / 2;
}

} // namespace bench
