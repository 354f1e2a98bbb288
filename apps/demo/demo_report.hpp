#pragma once

// The end of a demo run: what happened (from the runtime's stats, its event
// stream and its dead letters), whether it is the story charge_scenario.hpp
// tells, and the summary and JSON line that say so.

#include "event_tally.hpp"

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/runtime_stats.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace jobrt::demo {

struct run_report {
  runtime_stats stats;
  event_counts events;
  /// The dead letters with the smallest ids.
  std::vector<job> dead_letters;
  std::uint64_t released_at_shutdown = 0;
  /// The most charges seen waiting (pending) while the breaker was open.
  std::uint64_t peak_waiting_while_open = 0;
  double elapsed_s = 0;
  /// "sqlite PATH", "postgresql SCHEMA" or "memory".
  std::string store = "memory";
  /// Orders an earlier, interrupted run had already enqueued.
  std::uint64_t resumed_orders = 0;
  /// On PostgreSQL: this process's owner name among the database's nodes;
  /// the JSON line then names it and counts this node's successes.
  std::string node;
};

/// Jobs not yet in a terminal state.
std::uint64_t unfinished(const runtime_stats& s);
/// The charge type's breaker; null until the first charge is enqueued.
const breaker_status* charge_breaker_status(const runtime_stats& s);

/// What differs from the expected shape: every job terminal, each order
/// kind in its final state, the breaker opened and closed again, and the
/// event stream agreeing with the counters. A resumed run checks only that
/// every order is there once and finished, and the renewals cancelled: an
/// interrupted run's attempts (abandoned ones included) change the rest.
/// Empty when all held.
std::vector<std::string> shape_problems(const run_report& report);

/// The readable summary, problems included.
void print_summary(const run_report& report,
                   const std::vector<std::string>& problems);

/// One compact JSON object, for scripts and CI.
std::string json_line(const run_report& report, bool ok);

} // namespace jobrt::demo
