#pragma once

// GET /metrics: the Prometheus text exposition format (version 0.0.4) of
// the runtime's counters (runtime::stats), group commit (commit_stats),
// the event tally and the event streams. Every family has HELP and TYPE
// lines; the runtime's families are named jobrt_*, the daemon's own
// jobrtd_*. Pure.

#include "metrics_tally.hpp"

#include "jobrt/messages/replies.hpp"
#include "jobrt/messages/runtime_stats.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace jobrtd {

struct stream_figures {
  std::size_t open = 0;
  std::uint64_t dropped = 0;
};

std::string render_metrics(const jobrt::runtime_stats& stats,
                           const jobrt::store_stats& commits,
                           const metrics_snapshot& tally,
                           const stream_figures& streams);

/// A label value with \, " and newlines escaped.
std::string escape_label(std::string_view value);

} // namespace jobrtd
