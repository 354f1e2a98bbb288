#pragma once

// The requests --workload http sends (docs/http-api.md), each with the
// check of its answer. Bodies are built once and sent as they are, and
// answers are checked by a scan of their text rather than parsed, so the
// client spends as little as it can of the CPU it shares with the daemon.

#include "http_load.hpp"

#include "jobrt/messages/job.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace bench {

/// GET /healthz, 200.
http_request healthz_request();

/// POST /jobs of `body` (one spec): 201 with an id.
http_request enqueue_one_request(std::string body);

/// POST /jobs of `body` (an array of `specs` specs): 200 with a new job
/// for each.
http_request enqueue_batch_request(std::string body, std::size_t specs);

/// A spec of `type` with the payload the benchmark's jobs carry (~60 bytes
/// of JSON); `copies` of it in an array when given.
std::string spec_body(const std::string& type);
std::string spec_array_body(const std::string& type, std::size_t copies);

/// GET /jobs?state=dead&limit=`limit` as operators page through the dead
/// letters: walks of up to 10 pages, each following next_after from a
/// random cursor in [0, last_id] (the first walk from the start when
/// `from_start`), a new walk after the last page. 200 with at most `limit`
/// jobs, each dead.
http_request dead_page_request(jobrt::job_id last_id, std::size_t limit,
                               std::uint64_t seed, bool from_start);

} // namespace bench
