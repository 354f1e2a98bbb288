#pragma once

// GET /stats and GET /breakers bodies: the runtime's counters as JSON.
// Times are milliseconds since the Unix epoch. Pure.

#include "jobrt/messages/runtime_stats.hpp"

#include <nlohmann/json.hpp>

namespace jobrtd {

nlohmann::json to_json(const jobrt::breaker_status& b);
/// {"breakers":[...]}
nlohmann::json breakers_json(const jobrt::runtime_stats& s);
/// {"jobs":{"pending":N,...},"outcomes":{...},"breakers":[...],...}
nlohmann::json stats_json(const jobrt::runtime_stats& s);

} // namespace jobrtd
