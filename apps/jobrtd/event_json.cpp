#include "event_json.hpp"

#include "jobrt/messages/job_json.hpp"

namespace jobrtd {

namespace {

nlohmann::json millis(jobrt::time_point t) {
  return t.time_since_epoch().count();
}

nlohmann::json state_or_null(const std::optional<jobrt::job_state>& s) {
  return s ? nlohmann::json(std::string(to_string(*s))) : nlohmann::json();
}

std::string frame(std::uint64_t id, std::string_view event,
                  const nlohmann::json& data) {
  return "id: " + std::to_string(id) + "\nevent: " + std::string(event) +
         "\ndata: " + jobrt::dump_json(data) + "\n\n";
}

} // namespace

nlohmann::json to_json(const jobrt::job_transition_event& e) {
  nlohmann::json out;
  out["id"] = e.id;
  out["type"] = e.type;
  out["queue"] = e.queue;
  out["from"] = state_or_null(e.from);
  out["to"] = state_or_null(e.to);
  out["attempt"] = e.attempt;
  out["at"] = millis(e.at);
  out["error"] = e.error ? jobrt::to_json(*e.error) : nlohmann::json();
  return out;
}

nlohmann::json to_json(const jobrt::breaker_event& e) {
  const auto& t = e.transition;
  nlohmann::json out;
  out["key"] = e.key;
  out["from"] = std::string(to_string(t.from));
  out["to"] = std::string(to_string(t.to));
  out["at"] = millis(t.at);
  out["trips"] = t.trips;
  out["reopen_at"] = t.reopen_at ? millis(*t.reopen_at) : nlohmann::json();
  return out;
}

std::vector<std::string> sse_frames(const jobrt::event_batch& batch,
                                    std::uint64_t& next_id) {
  std::vector<std::string> frames;
  frames.reserve(batch.jobs.size() + batch.breakers.size());
  for (const auto& e : batch.jobs)
    frames.push_back(frame(next_id++, "job", to_json(e)));
  for (const auto& e : batch.breakers)
    frames.push_back(frame(next_id++, "breaker", to_json(e)));
  return frames;
}

} // namespace jobrtd
