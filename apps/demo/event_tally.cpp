#include "event_tally.hpp"

#include <cstdio>
#include <string>

namespace jobrt::demo {

void event_tally::record(const event_batch& batch) {
  {
    std::lock_guard guard{mutex_};
    ++counts_.batches;
    for (const auto& e : batch.jobs)
      count(e);
    for (const auto& e : batch.breakers) {
      ++counts_.breaker_changes;
      if (e.transition.to == breaker_state::open)
        ++counts_.breaker_opens;
      if (e.transition.to == breaker_state::closed)
        ++counts_.breaker_closes;
    }
  }
  for (const auto& e : batch.breakers)
    announce(e);
}

event_counts event_tally::counts() const {
  std::lock_guard guard{mutex_};
  return counts_;
}

void event_tally::count(const job_transition_event& e) {
  ++counts_.transitions;
  if (!e.to)
    return; // purged
  if (*e.to == job_state::processing)
    ++counts_.attempts;
  if (is_terminal(*e.to) && e.from && !is_terminal(*e.from))
    ++counts_.finished;
}

void event_tally::announce(const breaker_event& e) const {
  const auto& t = e.transition;
  auto at = std::chrono::duration<double>(t.at - origin_).count();
  std::string why;
  switch (t.to) {
    case breaker_state::open:
      why = "charges wait as pending, spending no attempts";
      if (t.reopen_at)
        why += "; probes in " + std::to_string((*t.reopen_at - t.at).count()) +
               " ms";
      break;
    case breaker_state::half_open: why = "letting probe charges through"; break;
    case breaker_state::closed: why = "the gateway is back"; break;
  }
  char line[256];
  std::snprintf(line, sizeof line, "t=%5.2fs  breaker %s: %s -> %s (%s)", at,
                e.key.c_str(), std::string(to_string(t.from)).c_str(),
                std::string(to_string(t.to)).c_str(), why.c_str());
  console_.note(line);
}

} // namespace jobrt::demo
