// /metrics: the tally learnt from events, and the text format, checked by
// promtool where it is installed.

#include "metrics_text.hpp"

#include "promtool_check.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobrtd;
using namespace std::chrono_literals;
using jobrt::job_state;

namespace {

jobrt::job_transition_event move(jobrt::job_id id, std::optional<job_state> from,
                                 std::optional<job_state> to, std::int64_t at_ms,
                                 std::optional<jobrt::job_error> error = {}) {
  jobrt::job_transition_event e;
  e.id = id;
  e.type = "echo";
  e.queue = "default";
  e.from = from;
  e.to = to;
  e.at = jobrt::time_point(std::chrono::milliseconds(at_ms));
  e.error = std::move(error);
  return e;
}

jobrt::runtime_stats some_stats() {
  jobrt::runtime_stats s;
  s.jobs[static_cast<std::size_t>(job_state::dead)] = 3;
  s.outcomes.retries_scheduled = 2;
  s.breakers.push_back({"web\"hook", jobrt::breaker_state::open, 1, std::nullopt});
  return s;
}

} // namespace

TEST_CASE("attempt outcomes and durations come from the transitions") {
  metrics_tally tally;
  jobrt::event_batch b;
  b.jobs = {move(1, std::nullopt, job_state::pending, 0),
            move(1, job_state::pending, job_state::processing, 1000),
            move(1, job_state::processing, job_state::retrying, 1300,
                 jobrt::job_error::transient("x")),
            move(1, job_state::retrying, job_state::pending, 2000),
            move(1, job_state::pending, job_state::processing, 2000),
            move(1, job_state::processing, job_state::completed, 2020),
            move(2, std::nullopt, job_state::processing, 0),
            move(2, job_state::processing, job_state::dead, 100,
                 jobrt::job_error::permanent("y"))};
  tally.observe(b);
  auto snap = tally.snapshot();
  CHECK(snap.attempts.at({"echo", "transient"}) == 1);
  CHECK(snap.attempts.at({"echo", "succeeded"}) == 1);
  CHECK(snap.attempts.at({"echo", "permanent"}) == 1);
  const auto& h = snap.durations.at("echo");
  CHECK(h.count == 3);
  CHECK(h.sum_seconds == Approx(0.3 + 0.02 + 0.1));
  CHECK(h.counts[1] == 0); // <= 0.01 s
  CHECK(h.counts[2] == 1); // <= 0.025 s
}

TEST_CASE("the exposition has every family with HELP and TYPE") {
  metrics_tally tally;
  jobrt::event_batch b;
  b.jobs = {move(1, job_state::pending, job_state::processing, 0),
            move(1, job_state::processing, job_state::completed, 40)};
  tally.observe(b);
  jobrt::store_stats commits;
  commits.count_transaction(2, 5, false);
  auto text = render_metrics(some_stats(), commits, tally.snapshot(), {1, 2});
  CHECK(text.find("jobrt_jobs{state=\"dead\"} 3\n") != std::string::npos);
  CHECK(text.find("jobrt_retries_scheduled_total 2\n") != std::string::npos);
  CHECK(text.find("jobrt_breaker_state{key=\"web\\\"hook\",state=\"open\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("jobrt_attempt_duration_seconds_bucket{type=\"echo\",le=\"0.05\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("jobrt_commit_rows_total 5\n") != std::string::npos);
  CHECK(text.find("jobrtd_event_streams_dropped_total 2\n") != std::string::npos);
  jobrtd::test::check_with_promtool(text);
}

TEST_CASE("label values are escaped") {
  CHECK(escape_label("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}
