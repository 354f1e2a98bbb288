#include "bulk_operations.hpp"

#include "problem.hpp"

#include <algorithm>

namespace jobrtd {

bulk_report apply_bulk(jobrt::runtime& rt, const bulk_filter& filter,
                       bulk_action action) {
  bulk_report report;
  jobrt::job_query q;
  q.state = filter.state;
  q.type = filter.type;
  q.queue = filter.queue;
  q.after = filter.after;
  while (report.matched < filter.max) {
    q.limit = std::min(filter.max - report.matched, jobrt::max_page_size);
    auto page = rt.list(q);
    if (!page) {
      report.stopped = page.error();
      report.next_after = q.after;
      return report;
    }
    for (const auto& j : page.value().jobs) {
      ++report.matched;
      auto done = action == bulk_action::requeue ? rt.requeue(j.id) : rt.purge(j.id);
      if (done)
        ++report.changed;
      else
        report.refused.emplace_back(j.id, done.error());
      q.after = j.id;
    }
    if (!page.value().next_after)
      return report;
    q.after = *page.value().next_after;
  }
  report.next_after = q.after;
  return report;
}

nlohmann::json to_json(const bulk_report& r) {
  nlohmann::json out;
  out["matched"] = r.matched;
  out["changed"] = r.changed;
  out["refused"] = nlohmann::json::array();
  for (const auto& [id, error] : r.refused)
    out["refused"].push_back({{"id", id}, {"problem", to_json(problem_of(error))}});
  out["next_after"] = r.next_after ? nlohmann::json(*r.next_after) : nlohmann::json();
  out["stopped"] = r.stopped ? to_json(problem_of(*r.stopped)) : nlohmann::json();
  return out;
}

} // namespace jobrtd
