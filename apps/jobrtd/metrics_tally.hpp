#pragma once

// What /metrics adds to the runtime's own counters, learnt from its event
// stream since the daemon started: attempts per job type and outcome, and
// how long they took (from the transition into processing to the one out
// of it). Thread-safe: the runtime's subscriber thread observes, HTTP
// threads take snapshots.

#include "jobrt/messages/runtime_event.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace jobrtd {

/// Upper bounds of the attempt duration histogram, in seconds.
inline constexpr std::array<double, 14> duration_buckets{
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

struct duration_histogram {
  std::array<std::uint64_t, duration_buckets.size()> counts{}; ///< cumulative
  std::uint64_t count = 0;
  double sum_seconds = 0;

  void observe(double seconds);
};

struct metrics_snapshot {
  /// (type, outcome) → attempts; outcome is succeeded, transient,
  /// permanent, timeout, abandoned, cancelled or released.
  std::map<std::pair<std::string, std::string>, std::uint64_t> attempts;
  std::map<std::string, duration_histogram> durations; ///< by type
};

/// The outcome name of a transition out of processing, or "" if `e` is not one.
std::string attempt_outcome(const jobrt::job_transition_event& e);

class metrics_tally {
public:
  /// Attempts whose start is remembered at most; beyond, their durations
  /// are not measured (their outcomes still are).
  explicit metrics_tally(std::size_t max_running = 100'000)
    : max_running_(max_running) {}

  void observe(const jobrt::event_batch& batch);
  metrics_snapshot snapshot() const;

private:
  void observe(const jobrt::job_transition_event& e);

  const std::size_t max_running_;
  mutable std::mutex mutex_;
  metrics_snapshot totals_;
  std::unordered_map<jobrt::job_id, jobrt::time_point> started_;
};

} // namespace jobrtd
