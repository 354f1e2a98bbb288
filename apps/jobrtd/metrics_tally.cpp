#include "metrics_tally.hpp"

namespace jobrtd {

void duration_histogram::observe(double seconds) {
  for (std::size_t i = 0; i < duration_buckets.size(); ++i)
    if (seconds <= duration_buckets[i])
      ++counts[i];
  ++count;
  sum_seconds += seconds;
}

std::string attempt_outcome(const jobrt::job_transition_event& e) {
  using jobrt::job_state;
  if (e.from != job_state::processing || !e.to || *e.to == job_state::processing)
    return "";
  if (*e.to == job_state::completed)
    return "succeeded";
  if (*e.to == job_state::cancelled)
    return "cancelled";
  if (!e.error)
    return "released"; // back to pending at shutdown: no failed attempt
  return std::string(to_string(e.error->kind));
}

void metrics_tally::observe(const jobrt::event_batch& batch) {
  std::lock_guard lock(mutex_);
  for (const auto& e : batch.jobs)
    observe(e);
}

void metrics_tally::observe(const jobrt::job_transition_event& e) {
  if (e.to == jobrt::job_state::processing && e.from != jobrt::job_state::processing) {
    if (started_.size() < max_running_)
      started_[e.id] = e.at;
    return;
  }
  auto outcome = attempt_outcome(e);
  if (outcome.empty()) {
    if (!e.to)
      started_.erase(e.id); // purged
    return;
  }
  ++totals_.attempts[{e.type, outcome}];
  if (auto it = started_.find(e.id); it != started_.end()) {
    auto ms = (e.at - it->second).count();
    totals_.durations[e.type].observe(static_cast<double>(ms < 0 ? 0 : ms) / 1000.0);
    started_.erase(it);
  }
}

metrics_snapshot metrics_tally::snapshot() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

} // namespace jobrtd
