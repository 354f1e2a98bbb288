#include "demo_report.hpp"

#include "charge_scenario.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace jobrt::demo {

namespace {

std::uint64_t total_jobs(const runtime_stats& s) {
  return std::accumulate(s.jobs.begin(), s.jobs.end(), std::uint64_t{0});
}

std::uint64_t breaker_trips(const runtime_stats& s) {
  const auto* b = charge_breaker_status(s);
  return b != nullptr ? b->trips : 0;
}

std::string state_name(job_state s) { return std::string(to_string(s)); }

/// Adds "what: got N, expected M" to `problems` unless they agree.
void expect(std::vector<std::string>& problems, const char* what,
            std::uint64_t got, std::uint64_t expected) {
  if (got != expected)
    problems.push_back(std::string(what) + ": got " + std::to_string(got) +
                       ", expected " + std::to_string(expected));
}

/// The breaker opened in the outage and closed again after it. It may end
/// open all the same: the backlog the outage left drains at the end, and
/// its hung calls time out close together, which can trip it once more
/// with no charge left to probe it closed (seen on PostgreSQL, whose
/// slower commits let the backlog bunch up).
void expect_breaker(std::vector<std::string>& problems,
                    const runtime_stats& s, const event_counts& e) {
  const auto* b = charge_breaker_status(s);
  if (b == nullptr || b->trips == 0) {
    problems.push_back("the breaker never opened during the outage");
    return;
  }
  if (e.breaker_closes == 0)
    problems.push_back("the breaker never closed again after the outage "
                       "(it ended " +
                       std::string(to_string(b->state)) + ")");
}

void print_dead_letters(const run_report& r) {
  std::printf("Dead letters (first %zu of %llu):\n", r.dead_letters.size(),
              static_cast<unsigned long long>(r.stats.count(job_state::dead)));
  for (const auto& j : r.dead_letters) {
    if (j.errors.empty())
      continue;
    const auto& last = j.errors.back().error;
    std::printf("  job %-5lld order %-5d after %d attempt(s): %s %s: %s\n",
                static_cast<long long>(j.id), order_of(j.payload), j.attempt,
                std::string(to_string(last.kind)).c_str(), last.code.c_str(),
                last.message.c_str());
  }
}

} // namespace

std::uint64_t unfinished(const runtime_stats& s) {
  return s.count(job_state::pending) + s.count(job_state::scheduled) +
         s.count(job_state::processing) + s.count(job_state::retrying);
}

const breaker_status* charge_breaker_status(const runtime_stats& s) {
  for (const auto& b : s.breakers)
    if (b.key == charge_type)
      return &b;
  return nullptr;
}

std::vector<std::string> shape_problems(const run_report& r) {
  const auto& s = r.stats;
  const auto& e = r.events;
  std::vector<std::string> problems;
  expect(problems, "jobs in the runtime", total_jobs(s), order_count);
  expect(problems, "jobs never finished", unfinished(s), 0);
  if (r.resumed_orders > 0) {
    expect(problems, "cancelled (the scheduled renewals)",
           s.count(job_state::cancelled), count_of(order_kind::renewal));
    return problems;
  }
  expect(problems, "completed (every payable order)",
         s.count(job_state::completed), count_of(order_kind::payable));
  expect(problems, "dead (declined cards and hung calls)",
         s.count(job_state::dead),
         count_of(order_kind::declined) + count_of(order_kind::hangs));
  expect(problems, "cancelled (the scheduled renewals)",
         s.count(job_state::cancelled), count_of(order_kind::renewal));
  expect_breaker(problems, s, e);
  expect(problems, "attempts seen by the subscriber", e.attempts,
         s.outcomes.attempts_started);
  expect(problems, "breaker openings seen by the subscriber", e.breaker_opens,
         breaker_trips(s));
  return problems;
}

void print_summary(const run_report& r,
                   const std::vector<std::string>& problems) {
  const auto& s = r.stats;
  const auto& o = s.outcomes;
  const auto& e = r.events;
  std::printf("\nSummary: %llu charges in %.2f s on the %s store\n",
              static_cast<unsigned long long>(total_jobs(s)), r.elapsed_s,
              r.store.c_str());
  if (r.resumed_orders > 0)
    std::printf("Resumed: %llu orders were already in the database\n",
                static_cast<unsigned long long>(r.resumed_orders));
  for (auto state : all_job_states)
    std::printf("  %-10s %5llu\n", state_name(state).c_str(),
                static_cast<unsigned long long>(s.count(state)));
  auto jobs = std::max<std::uint64_t>(total_jobs(s), 1);
  std::printf("Attempts %llu (%.2f per charge): %llu succeeded, %llu transient "
              "failures, %llu permanent, %llu timed out; %llu retries\n",
              static_cast<unsigned long long>(o.attempts_started),
              static_cast<double>(o.attempts_started) /
                  static_cast<double>(jobs),
              static_cast<unsigned long long>(o.succeeded),
              static_cast<unsigned long long>(o.failed_transient),
              static_cast<unsigned long long>(o.failed_permanent),
              static_cast<unsigned long long>(o.timed_out),
              static_cast<unsigned long long>(o.retries_scheduled));
  const auto* b = charge_breaker_status(s);
  std::printf("Breaker %s: opened %llu time(s), ended %s; up to %llu charges "
              "waited as pending while it was open\n",
              std::string(charge_type).c_str(),
              static_cast<unsigned long long>(breaker_trips(s)),
              b != nullptr ? std::string(to_string(b->state)).c_str() : "unused",
              static_cast<unsigned long long>(r.peak_waiting_while_open));
  std::printf("Events: %llu job transitions in %llu batches, %llu breaker "
              "changes; %llu attempts released at shutdown\n",
              static_cast<unsigned long long>(e.transitions),
              static_cast<unsigned long long>(e.batches),
              static_cast<unsigned long long>(e.breaker_changes),
              static_cast<unsigned long long>(r.released_at_shutdown));
  print_dead_letters(r);
  if (problems.empty()) {
    std::printf("Expected shape: held\n");
    return;
  }
  std::printf("Expected shape: NOT held\n");
  for (const auto& p : problems)
    std::printf("  - %s\n", p.c_str());
}

std::string json_line(const run_report& r, bool ok) {
  const auto& s = r.stats;
  const auto& o = s.outcomes;
  auto line = nlohmann::json{
      {"jobs", total_jobs(s)},
      {"completed", s.count(job_state::completed)},
      {"dead", s.count(job_state::dead)},
      {"cancelled", s.count(job_state::cancelled)},
      {"unfinished", unfinished(s)},
      {"attempts", o.attempts_started},
      {"retries", o.retries_scheduled},
      {"timed_out", o.timed_out},
      {"breaker_trips", breaker_trips(s)},
      {"peak_waiting_while_open", r.peak_waiting_while_open},
      {"events", r.events.transitions},
      {"elapsed_s", std::round(r.elapsed_s * 100) / 100},
      {"store", r.store},
      {"resumed_orders", r.resumed_orders},
      {"ok", ok}};
  if (!r.node.empty()) {
    line["node"] = r.node;
    line["succeeded"] = o.succeeded;
  }
  return line.dump();
}

} // namespace jobrt::demo
