#pragma once

// The human-readable forms of jobctl's answers (the --json forms reuse
// messages/job_json.hpp). Times print as UTC ISO-8601 to the second.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/job_query.hpp"

#include <ostream>
#include <string>

namespace jobctl {

/// "2026-11-23T19:52:52Z"; "never" for a time past year 9999 (a saturated
/// run_at, up to time_point::max()), "before year 0" for one before it.
std::string format_utc(jobrt::time_point at);

/// One row per state, zeros included, then the total.
void print_state_counts(std::ostream& out, const jobrt::state_counts& counts);

/// One row per job (id, type, queue, state, attempt/max, run_at, last error
/// code), then the cursor of the next page when there is one.
void print_job_page(std::ostream& out, const jobrt::job_page& page);

/// The record, field by field, then its error history, one line per failed
/// attempt.
void print_job(std::ostream& out, const jobrt::job& j);

} // namespace jobctl
