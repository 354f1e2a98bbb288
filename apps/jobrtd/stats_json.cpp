#include "stats_json.hpp"

namespace jobrtd {

nlohmann::json to_json(const jobrt::breaker_status& b) {
  return {{"key", b.key},
          {"state", std::string(to_string(b.state))},
          {"trips", b.trips},
          {"reopen_at", b.reopen_at
                            ? nlohmann::json(b.reopen_at->time_since_epoch().count())
                            : nlohmann::json()}};
}

nlohmann::json breakers_json(const jobrt::runtime_stats& s) {
  auto list = nlohmann::json::array();
  for (const auto& b : s.breakers)
    list.push_back(to_json(b));
  return {{"breakers", list}};
}

nlohmann::json stats_json(const jobrt::runtime_stats& s) {
  nlohmann::json jobs = nlohmann::json::object();
  for (auto state : jobrt::all_job_states)
    jobs[std::string(to_string(state))] = s.count(state);
  const auto& o = s.outcomes;
  nlohmann::json outcomes = {
      {"attempts_started", o.attempts_started},
      {"succeeded", o.succeeded},
      {"failed_transient", o.failed_transient},
      {"failed_permanent", o.failed_permanent},
      {"timed_out", o.timed_out},
      {"retries_scheduled", o.retries_scheduled},
      {"dead_lettered", o.dead_lettered},
      {"cancelled", o.cancelled},
      {"released", o.released},
      {"pruned", o.pruned},
      {"stale_replies", o.stale_replies},
      {"quarantined", o.quarantined}};
  auto out = breakers_json(s);
  out["jobs"] = jobs;
  out["outcomes"] = outcomes;
  out["in_flight"] = s.in_flight;
  out["held_jobs"] = s.held_jobs;
  out["held_jobs_peak"] = s.held_jobs_peak;
  out["without_handler"] = s.without_handler;
  out["store_failure"] =
      s.store_failure ? nlohmann::json(*s.store_failure) : nlohmann::json();
  return out;
}

} // namespace jobrtd
