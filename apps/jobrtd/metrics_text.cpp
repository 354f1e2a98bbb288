#include "metrics_text.hpp"

#include <sstream>

namespace jobrtd {

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

class exposition {
public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' '
         << type << '\n';
  }
  template <class Number>
  void sample(std::string_view name, std::string_view labels, Number value) {
    out_ << name;
    if (!labels.empty())
      out_ << '{' << labels << '}';
    out_ << ' ' << value << '\n';
  }
  template <class Number>
  void single(std::string_view name, std::string_view type,
              std::string_view help, Number value) {
    family(name, type, help);
    sample(name, "", value);
  }
  std::string text() const { return out_.str(); }

private:
  std::ostringstream out_;
};

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escape_label(value) + "\"";
}

void render_states(exposition& x, const jobrt::runtime_stats& s) {
  x.family("jobrt_jobs", "gauge", "Jobs in the store, per state.");
  for (auto state : jobrt::all_job_states)
    x.sample("jobrt_jobs", label("state", to_string(state)), s.count(state));
}

void render_outcomes(exposition& x, const jobrt::outcome_counters& o) {
  x.single("jobrt_attempts_started_total", "counter",
           "Attempts started by this runtime.", o.attempts_started);
  x.single("jobrt_retries_scheduled_total", "counter",
           "Failed attempts that were scheduled for a retry.", o.retries_scheduled);
  x.single("jobrt_dead_lettered_total", "counter",
           "Jobs that went dead (attempts exhausted or permanent error).",
           o.dead_lettered);
  x.single("jobrt_cancelled_total", "counter", "Jobs cancelled.", o.cancelled);
  x.single("jobrt_stale_replies_total", "counter",
           "Handler replies for an attempt that was no longer current.",
           o.stale_replies);
  x.single("jobrt_quarantined_total", "counter",
           "Jobs set aside because the store refused their record.", o.quarantined);
}

void render_attempts(exposition& x, const metrics_snapshot& t) {
  x.family("jobrt_attempts_total", "counter",
           "Attempts that ended since jobrtd started, per job type and outcome.");
  for (const auto& [key, n] : t.attempts)
    x.sample("jobrt_attempts_total",
             label("type", key.first) + "," + label("outcome", key.second), n);
  x.family("jobrt_attempt_duration_seconds", "histogram",
           "How long attempts ran, per job type.");
  for (const auto& [type, h] : t.durations) {
    auto type_label = label("type", type);
    for (std::size_t i = 0; i < duration_buckets.size(); ++i) {
      std::ostringstream bound;
      bound << duration_buckets[i];
      x.sample("jobrt_attempt_duration_seconds_bucket",
               type_label + "," + label("le", bound.str()), h.counts[i]);
    }
    x.sample("jobrt_attempt_duration_seconds_bucket",
             type_label + ",le=\"+Inf\"", h.count);
    x.sample("jobrt_attempt_duration_seconds_sum", type_label, h.sum_seconds);
    x.sample("jobrt_attempt_duration_seconds_count", type_label, h.count);
  }
}

void render_breakers(exposition& x, const jobrt::runtime_stats& s) {
  x.family("jobrt_breaker_state", "gauge",
           "1 for the state each breaker key is in, 0 for the others.");
  for (const auto& b : s.breakers)
    for (auto state : {jobrt::breaker_state::closed, jobrt::breaker_state::open,
                       jobrt::breaker_state::half_open})
      x.sample("jobrt_breaker_state",
               label("key", b.key) + "," + label("state", to_string(state)),
               b.state == state ? 1 : 0);
  x.family("jobrt_breaker_trips_total", "counter", "Times each breaker opened.");
  for (const auto& b : s.breakers)
    x.sample("jobrt_breaker_trips_total", label("key", b.key), b.trips);
}

void render_commits(exposition& x, const jobrt::store_stats& c) {
  x.single("jobrt_commit_transactions_total", "counter",
           "Store transactions of group commit.", c.transactions);
  x.single("jobrt_commit_turns_total", "counter",
           "Supervisor turns written, over all transactions.", c.turns);
  x.single("jobrt_commit_rows_total", "counter",
           "Records written or removed, over all transactions.", c.rows);
  x.single("jobrt_commit_failures_total", "counter",
           "Transactions that failed.", c.failures);
  x.single("jobrt_commit_max_rows_per_transaction", "gauge",
           "The largest transaction so far, in records.", c.max_rows_per_transaction);
  x.single("jobrt_commit_max_turns_per_transaction", "gauge",
           "The largest transaction so far, in turns.", c.max_turns_per_transaction);
}

} // namespace

std::string render_metrics(const jobrt::runtime_stats& stats,
                           const jobrt::store_stats& commits,
                           const metrics_snapshot& tally,
                           const stream_figures& streams) {
  exposition x;
  render_states(x, stats);
  render_outcomes(x, stats.outcomes);
  render_attempts(x, tally);
  render_breakers(x, stats);
  render_commits(x, commits);
  x.single("jobrt_in_flight", "gauge", "Attempts handed to handlers, not returned.",
           stats.in_flight);
  x.single("jobrt_held_jobs", "gauge", "Jobs the supervisor holds in memory.",
           stats.held_jobs);
  x.single("jobrt_jobs_without_handler", "gauge",
           "Unfinished jobs whose type has no handler here.", stats.without_handler);
  x.single("jobrt_store_up", "gauge", "0 while the store cannot commit.",
           stats.store_failure ? 0 : 1);
  x.single("jobrtd_event_streams", "gauge", "Open GET /events streams.", streams.open);
  x.single("jobrtd_event_streams_dropped_total", "counter",
           "Event streams dropped because their client fell behind.",
           streams.dropped);
  return x.text();
}

} // namespace jobrtd
