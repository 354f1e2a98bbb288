#pragma once

// Bulk requeue and purge by filter, built over the runtime's one-job
// operations: pages of jobs matching the filter are read through
// runtime::list and each job is requeued or purged through the runtime,
// which decides (and may refuse) each change as it would for one job. At
// most filter.max jobs per call; next_after continues where it stopped.

#include "job_filters.hpp"

#include "jobrt/actors/runtime.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace jobrtd {

struct bulk_report {
  std::size_t matched = 0; ///< jobs read that matched the filter
  std::size_t changed = 0; ///< of them, requeued or purged
  /// Jobs the runtime refused (changed by someone in between, ...).
  std::vector<std::pair<jobrt::job_id, jobrt::request_error>> refused;
  /// Set when more jobs may match: pass it as `after` to go on.
  std::optional<jobrt::job_id> next_after;
  /// Set when listing failed (the store): the work stopped there.
  std::optional<jobrt::request_error> stopped;
};

bulk_report apply_bulk(jobrt::runtime& rt, const bulk_filter& filter,
                       bulk_action action);

nlohmann::json to_json(const bulk_report& r);

} // namespace jobrtd
