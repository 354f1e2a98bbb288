#pragma once

// What W5's two phases measured and checked (w5_backlog.hpp), and how they
// are printed: the table with each figure's target, and the JSON line.

#include "database_files.hpp"
#include "options.hpp"
#include "rss_sampler.hpp"
#include "store_figures.hpp"

#include "jobrt/messages/runtime_stats.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace bench {

/// Phase 1: the backlog enqueued behind the plug.
struct backlog_fill {
  std::size_t jobs = 0; ///< asked for
  std::size_t accepted = 0;
  double enqueue_s = 0; ///< from the first enqueue call to the last reply
  /// The store's pending jobs and the runtime's stats after the last reply.
  std::uint64_t pending = 0;
  std::uint64_t attempts_started = 0; ///< the plug's only: expected 1
  std::uint64_t held_jobs_peak = 0;
  database_size disk; ///< before shutdown
  bool ok = false;
};

/// Phase 2: a new runtime drains the backlog.
struct backlog_drain {
  double start_call_s = 0; ///< start() returned
  double start_s = 0;      ///< from calling start() to the first attempt
  double drain_s = 0;      ///< from calling start() to all durable
  /// From the last handler's return to the store's counts showing all
  /// durable (the last commit, and the stats() calls that saw it).
  double durable_lag_s = 0;
  std::int64_t rss_before_bytes = 0; ///< before the runtime was created
  rss_peak rss;
  jobrt::runtime_stats stats; ///< when the last completion was durable
  std::size_t ran_once = 0;   ///< jobs whose handler ran exactly once
  std::size_t ran_otherwise = 0;
  database_size disk; ///< before shutdown
  commit_figures commits;
  bool ok = false;
};

void print_w5(const options& opts, const backlog_fill& fill,
              const backlog_drain& drain,
              std::optional<double> w1_jobs_per_s);

} // namespace bench
