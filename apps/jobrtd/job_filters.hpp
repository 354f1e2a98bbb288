#pragma once

// The filters of the job endpoints, decoded and checked: GET /jobs's query
// string as a jobrt::job_query, and the bulk endpoints' JSON body as a
// bulk_filter. Unknown parameters and keys are refused (a misspelt filter
// must not silently match everything). Pure.

#include "problem.hpp"

#include "jobrt/messages/job_query.hpp"

#include <map>
#include <string>

namespace jobrtd {

/// The query string, as httplib::Params holds it.
using query_params = std::multimap<std::string, std::string>;

/// state, type, queue, after (an id), limit (1..1000, default 100).
jobrt::result<jobrt::job_query, problem> job_query_of(const query_params& params);

enum class bulk_action : std::uint8_t { requeue, purge };

/// Which jobs a bulk requeue or purge applies to, and at most how many in
/// one request (the answer's next_after continues from there).
struct bulk_filter {
  jobrt::job_state state = jobrt::job_state::dead;
  std::optional<std::string> type;
  std::optional<std::string> queue;
  jobrt::job_id after = 0;
  std::size_t max = 1000;
};

inline constexpr std::size_t max_bulk_jobs = 100'000;

/// The body (empty: all dead jobs). requeue takes dead or cancelled,
/// purge any terminal state.
jobrt::result<bulk_filter, problem> bulk_filter_of(std::string_view body,
                                                   bulk_action action);

} // namespace jobrtd
