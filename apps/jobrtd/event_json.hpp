#pragma once

// The runtime's events as JSON and as server-sent-event frames:
//   id: 17
//   event: job
//   data: {"id":4,"type":"echo","queue":"default","from":"pending",
//          "to":"processing","attempt":1,"at":1700000000000,"error":null}
// and `event: breaker` with {"key","from","to","at","trips","reopen_at"}.
// Pure.

#include "jobrt/messages/runtime_event.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace jobrtd {

nlohmann::json to_json(const jobrt::job_transition_event& e);
nlohmann::json to_json(const jobrt::breaker_event& e);

/// One frame per event of the batch, numbered from `next_id` (advanced).
std::vector<std::string> sse_frames(const jobrt::event_batch& batch,
                                    std::uint64_t& next_id);

} // namespace jobrtd
