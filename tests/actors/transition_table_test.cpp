// The transition function against DESIGN.md's "States and transitions":
// first the whole state x event product against the table written as data,
// then one test case per line of the table for the details of that line.

#include <catch2/catch.hpp>

#include "jobrt/actors/transitions.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;
using jobrt::job;
using jobrt::job_event;
using jobrt::job_state;
using jobrt::time_point;
namespace events = jobrt::events;

namespace {

const time_point t0{std::chrono::milliseconds(1'700'000'000'000)};

// Names print readably when a check fails; the enums would print as numbers.
std::string_view state_of(const job& j) { return to_string(j.state); }
std::string_view code_of(const jobrt::transition_error& e) {
  return to_string(e.code);
}

jobrt::job_spec spec_for(std::string type = "email") {
  jobrt::job_spec spec;
  spec.type = std::move(type);
  spec.payload = R"({"to":"a@example.com"})";
  return spec;
}

jobrt::attempt_error earlier_failure(std::int32_t attempt) {
  return {attempt, jobrt::job_error::transient("smtp_down", "no route"),
          t0 - 1min};
}

// A job record as the supervisor would hold it in `state`, ready for the
// events of that state at t0: run_at has come, attempts are left, and the
// states an attempt has passed through carry attempt 1 and its history.
job job_in(job_state state) {
  auto j = jobrt::make_job(spec_for(), 7, jobrt::job_defaults{}, t0 - 1h);
  j.state = state;
  j.run_at = t0 - 1s;
  switch (state) {
    case job_state::pending:
    case job_state::scheduled:
    case job_state::cancelled: break;
    case job_state::processing:
    case job_state::completed: j.attempt = 1; break;
    case job_state::retrying:
    case job_state::dead:
      j.attempt = 1;
      j.errors.push_back(earlier_failure(1));
      break;
  }
  if (is_terminal(state))
    j.finished_at = t0 - 1min;
  return j;
}

job processing_job(std::int32_t attempt, std::int32_t max_attempts = 5) {
  auto j = job_in(job_state::processing);
  j.attempt = attempt;
  j.max_attempts = max_attempts;
  for (std::int32_t a = 1; a < attempt; ++a)
    j.errors.push_back(earlier_failure(a));
  return j;
}

job accept(const job& current, const job_event& event, time_point now) {
  auto next = jobrt::apply_event(current, event, now);
  INFO((next ? std::string("accepted") : next.error().message()));
  REQUIRE(next);
  CHECK(next.value().updated_at == now);
  return next.value();
}

jobrt::transition_error reject(const job& current, const job_event& event,
                               time_point now) {
  auto next = jobrt::apply_event(current, event, now);
  INFO("state after: " << (next ? state_of(next.value()) : "rejected"));
  REQUIRE_FALSE(next);
  return next.error();
}

// ---------------------------------------------------------------------------
// DESIGN.md's table as data, one entry per line. "enqueue" is make_job, not
// an event, and has its own test cases; the recovery line is a failure of
// kind abandoned. Purge returns the record unchanged: the caller removes it.

inline constexpr std::optional<job_state> unchanged = std::nullopt;

struct table_line {
  std::vector<job_state> from;
  std::string_view event;
  std::optional<job_state> to;
};

const std::vector<table_line>& design_table() {
  using enum job_state;
  static const std::vector<table_line> table{
      // from                          event        to
      {{scheduled, retrying},          "due",       pending},
      {{pending},                      "dispatch",  processing},
      {{processing},                   "success",   completed},
      {{processing},                   "failure",   retrying}, // retries left
      {{processing},                   "release",   pending},
      {{pending, scheduled, retrying}, "cancel",    cancelled},
      {{processing},                   "cancel",    processing}, // cooperative
      {{dead, cancelled},              "requeue",   pending},
      {{completed, dead, cancelled},   "purge",     unchanged},
  };
  return table;
}

const table_line* find_line(job_state from, std::string_view event) {
  for (const auto& line : design_table())
    if (line.event == event &&
        std::find(line.from.begin(), line.from.end(), from) != line.from.end())
      return &line;
  return nullptr;
}

// every_event_kind() carries attempt 0 and no retry delay; give each event
// what the job in `j` needs for the table's own line to apply: the current
// attempt (fencing) and, for failure, a backoff with retries left.
job_event fitted_to(job_event event, const job& j) {
  std::visit(
      [&](auto& e) {
        using event_type = std::decay_t<decltype(e)>;
        if constexpr (requires { e.attempt; })
          e.attempt = j.attempt;
        if constexpr (std::is_same_v<event_type, events::failure>) {
          e.error = jobrt::job_error::transient("smtp_down");
          e.retry_delay = 10s;
        }
      },
      event);
  return event;
}

} // namespace

TEST_CASE("every state + event pair is allowed or rejected as the table says",
          "[transitions][table]") {
  auto state = GENERATE(from_range(jobrt::all_job_states));
  auto sample = GENERATE(from_range(jobrt::every_event_kind()));
  auto name = jobrt::event_name(sample);
  INFO("state '" << to_string(state) << "' + event '" << name << "'");

  const auto current = job_in(state);
  const auto before = current;
  const auto event = fitted_to(sample, current);
  const auto now = t0;
  auto next = jobrt::apply_event(current, event, now);
  CHECK(current == before);

  if (const auto* line = find_line(state, name)) {
    INFO((next ? std::string("accepted") : next.error().message()));
    REQUIRE(next);
    if (line->to) {
      CHECK(state_of(next.value()) == to_string(*line->to));
      CHECK(next.value().updated_at == now);
    } else {
      CHECK(next.value() == current);
    }
  } else {
    REQUIRE_FALSE(next);
    const auto& error = next.error();
    CHECK(code_of(error) == "invalid_transition");
    CHECK(error.id == current.id);
    CHECK(error.state == state);
    CHECK(error.event == name);
    CHECK(error.message() == "job 7: event '" + std::string(name) +
                                 "' is not allowed in state '" +
                                 std::string(to_string(state)) + "'");
  }
}

TEST_CASE("the table data names only real events and no pair twice",
          "[transitions][table]") {
  std::vector<std::string_view> names;
  for (const auto& e : jobrt::every_event_kind())
    names.push_back(jobrt::event_name(e));
  for (const auto& line : design_table()) {
    CAPTURE(line.event);
    CHECK(std::find(names.begin(), names.end(), line.event) != names.end());
    for (auto from : line.from)
      CHECK(find_line(from, line.event) == &line);
  }
}

// --- enqueue -----------------------------------------------------------------

TEST_CASE("enqueue without run_at -> pending now", "[transitions][enqueue]") {
  auto spec = spec_for();
  spec.queue = "mail";
  spec.priority = 3;
  spec.unique_key = "welcome-42";
  auto j = jobrt::make_job(spec, 42, jobrt::job_defaults{}, t0);
  CHECK(state_of(j) == "pending");
  CHECK(j.id == 42);
  CHECK(j.type == "email");
  CHECK(j.queue == "mail");
  CHECK(j.payload == spec.payload);
  CHECK(j.priority == 3);
  CHECK(j.unique_key == spec.unique_key);
  CHECK(j.attempt == 0);
  CHECK(j.run_at == t0);
  CHECK(j.created_at == t0);
  CHECK(j.updated_at == t0);
  CHECK_FALSE(j.finished_at);
  CHECK_FALSE(j.cancel_requested);
  CHECK(j.errors.empty());
}

TEST_CASE("enqueue with run_at now or past -> pending",
          "[transitions][enqueue]") {
  // as<> makes Catch copy the values: given the lvalue t0 first, it would
  // deduce a reference type and keep t0 - 5s as a dangling reference.
  auto run_at = GENERATE(as<time_point>{}, t0, t0 - 5s);
  auto spec = spec_for();
  spec.run_at = run_at;
  auto j = jobrt::make_job(spec, 1, jobrt::job_defaults{}, t0);
  CHECK(state_of(j) == "pending");
  CHECK(j.run_at == run_at);
}

TEST_CASE("enqueue with run_at in the future -> scheduled",
          "[transitions][enqueue]") {
  auto spec = spec_for();
  spec.run_at = t0 + 1ms;
  auto j = jobrt::make_job(spec, 1, jobrt::job_defaults{}, t0);
  CHECK(state_of(j) == "scheduled");
  CHECK(j.run_at == t0 + 1ms);
  CHECK(j.created_at == t0);
}

TEST_CASE("enqueue takes the type defaults where the spec is silent",
          "[transitions][enqueue]") {
  jobrt::job_defaults defaults{8, 90s};
  auto j = jobrt::make_job(spec_for("resize"), 1, defaults, t0);
  CHECK(j.max_attempts == 8);
  CHECK(j.timeout == 90s);
  CHECK(j.breaker_key == "resize");

  auto spec = spec_for("resize");
  spec.max_attempts = 2;
  spec.timeout = 5s;
  spec.breaker_key = "image-service";
  j = jobrt::make_job(spec, 1, defaults, t0);
  CHECK(j.max_attempts == 2);
  CHECK(j.timeout == 5s);
  CHECK(j.breaker_key == "image-service");
}

// --- due ---------------------------------------------------------------------

TEST_CASE("scheduled + due at run_at -> pending", "[transitions][due]") {
  auto spec = spec_for();
  spec.run_at = t0 + 1min;
  auto j = jobrt::make_job(spec, 1, jobrt::job_defaults{}, t0);
  auto next = accept(j, events::due{}, t0 + 1min);
  CHECK(state_of(next) == "pending");
  CHECK(next.run_at == t0 + 1min);
  CHECK(next.attempt == 0);
}

TEST_CASE("retrying + due after backoff -> pending", "[transitions][due]") {
  auto j = job_in(job_state::retrying);
  auto next = accept(j, events::due{}, t0 + 1h);
  CHECK(state_of(next) == "pending");
  CHECK(next.attempt == 1);
  CHECK(next.errors == j.errors);
  CHECK_FALSE(next.finished_at);
}

TEST_CASE("due before run_at is rejected as not_due", "[transitions][due]") {
  auto state = GENERATE(job_state::scheduled, job_state::retrying);
  auto j = job_in(state);
  j.run_at = t0 + 1s;
  auto error = reject(j, events::due{}, t0 + 999ms);
  CHECK(code_of(error) == "not_due");
  CHECK(error.state == state);
  CHECK(error.event == "due");
  CHECK_THAT(error.message(), Catch::Contains("run_at"));
}

// --- dispatch ----------------------------------------------------------------

TEST_CASE("pending + dispatch -> processing with attempt += 1",
          "[transitions][dispatch]") {
  auto j = job_in(job_state::pending);
  auto first = accept(j, events::dispatch{}, t0);
  CHECK(state_of(first) == "processing");
  CHECK(first.attempt == 1);
  CHECK(first.run_at == j.run_at);
  CHECK_FALSE(first.finished_at);

  j.attempt = 3; // two failures and a release later
  auto fourth = accept(j, events::dispatch{}, t0);
  CHECK(fourth.attempt == 4);
}

TEST_CASE("dispatch before run_at is rejected as not_due",
          "[transitions][dispatch]") {
  auto j = job_in(job_state::pending);
  j.run_at = t0 + 1ms;
  auto error = reject(j, events::dispatch{}, t0);
  CHECK(code_of(error) == "not_due");
  CHECK(accept(j, events::dispatch{}, t0 + 1ms).attempt == 1);
}

TEST_CASE("dispatch with every attempt used is rejected as attempts_exhausted",
          "[transitions][dispatch]") {
  auto j = job_in(job_state::pending);
  j.max_attempts = 3;
  j.attempt = 3; // a record from before max_attempts was lowered, say
  auto error = reject(j, events::dispatch{}, t0);
  CHECK(code_of(error) == "attempts_exhausted");
  CHECK(error.job_attempt == 3);
  CHECK_THAT(error.message(), Catch::Contains("attempts"));

  j.attempt = 2;
  CHECK(accept(j, events::dispatch{}, t0).attempt == 3);
}

// --- success -----------------------------------------------------------------

TEST_CASE("processing + success -> completed with finished_at = now",
          "[transitions][success]") {
  auto j = processing_job(2);
  auto next = accept(j, events::success{2}, t0 + 3s);
  CHECK(state_of(next) == "completed");
  CHECK(next.attempt == 2);
  REQUIRE(next.finished_at);
  CHECK(*next.finished_at == t0 + 3s);
  CHECK(next.errors == j.errors);
}

TEST_CASE("stale success is rejected naming both attempt numbers",
          "[transitions][success][fencing]") {
  auto j = processing_job(3);
  auto late = GENERATE(0, 2, 4);
  auto error = reject(j, events::success{late}, t0);
  CHECK(code_of(error) == "stale_attempt");
  CHECK(error.job_attempt == 3);
  CHECK(error.event_attempt == late);
  CHECK_THAT(error.message(), Catch::Contains("attempt " + std::to_string(late)) &&
                                  Catch::Contains("attempt 3") &&
                                  Catch::Contains("success"));
}

// --- failure -----------------------------------------------------------------

TEST_CASE("processing + failure(transient) with retries left -> retrying "
          "with run_at = now + backoff",
          "[transitions][failure]") {
  auto kind = GENERATE(jobrt::error_kind::transient, jobrt::error_kind::timeout);
  CAPTURE(to_string(kind));
  auto j = processing_job(2, 5);
  jobrt::job_error error{kind, "smtp_down", "connection refused", 30s};
  auto now = t0 + 5s;
  auto next = accept(j, events::failure{2, error, 40s}, now);
  CHECK(state_of(next) == "retrying");
  CHECK(next.attempt == 2);
  CHECK(next.run_at == now + 40s);
  CHECK_FALSE(next.finished_at);
  REQUIRE(next.errors.size() == j.errors.size() + 1);
  CHECK(std::equal(j.errors.begin(), j.errors.end(), next.errors.begin()));
  CHECK(next.errors.back() == jobrt::attempt_error{2, error, now});
}

TEST_CASE("processing + failure with a negative backoff -> retrying due now",
          "[transitions][failure]") {
  auto j = processing_job(1);
  auto next = accept(
      j, events::failure{1, jobrt::job_error::transient("x"), -5s}, t0);
  CHECK(state_of(next) == "retrying");
  CHECK(next.run_at == t0);
}

TEST_CASE("processing + failure(permanent) -> dead even with a retry delay",
          "[transitions][failure]") {
  auto j = processing_job(1, 5);
  auto error = jobrt::job_error::permanent("bad_address", "no such mailbox");
  auto next = accept(j, events::failure{1, error, 10s}, t0);
  CHECK(state_of(next) == "dead");
  REQUIRE(next.finished_at);
  CHECK(*next.finished_at == t0);
  REQUIRE(next.errors.size() == 1);
  CHECK(next.errors.back() == jobrt::attempt_error{1, error, t0});
}

TEST_CASE("processing + failure on the last attempt -> dead",
          "[transitions][failure]") {
  auto j = processing_job(3, 3);
  auto next =
      accept(j, events::failure{3, jobrt::job_error::transient("x"), 10s}, t0);
  CHECK(state_of(next) == "dead");
  CHECK(next.attempt == 3);
  CHECK(next.errors.size() == 3);
  REQUIRE(next.finished_at);
  CHECK(*next.finished_at == t0);
}

TEST_CASE("processing + failure the policy will not retry -> dead",
          "[transitions][failure]") {
  auto j = processing_job(1, 5);
  auto next = accept(
      j,
      events::failure{1, jobrt::job_error::transient("x"), std::nullopt}, t0);
  CHECK(state_of(next) == "dead");
  CHECK(next.errors.size() == 1);
}

TEST_CASE("processing + failure(abandoned) at recovery -> retrying or dead "
          "as a counted attempt",
          "[transitions][failure]") {
  auto abandoned = jobrt::job_error::abandoned("owner crashed");
  auto retried = accept(processing_job(1, 2),
                        events::failure{1, abandoned, 2s}, t0);
  CHECK(state_of(retried) == "retrying");
  CHECK(retried.run_at == t0 + 2s);
  CHECK(retried.errors.back().error.kind == jobrt::error_kind::abandoned);

  auto last = accept(processing_job(2, 2), events::failure{2, abandoned, 2s}, t0);
  CHECK(state_of(last) == "dead");
}

TEST_CASE("stale failure is rejected and appends nothing",
          "[transitions][failure][fencing]") {
  auto j = processing_job(2);
  auto error = reject(
      j, events::failure{1, jobrt::job_error::transient("timeout"), 1s}, t0);
  CHECK(code_of(error) == "stale_attempt");
  CHECK(error.job_attempt == 2);
  CHECK(error.event_attempt == 1);
  CHECK_THAT(error.message(),
             Catch::Contains("attempt 1") && Catch::Contains("attempt 2"));
}

TEST_CASE("a reply after the job moved on is invalid_transition not stale",
          "[transitions][fencing]") {
  auto state = GENERATE(job_state::retrying, job_state::completed,
                        job_state::dead, job_state::pending);
  auto j = job_in(state);
  auto event = GENERATE(job_event{events::success{1}},
                        job_event{events::failure{1, {}, 1s}},
                        job_event{events::release{1}});
  auto error = reject(j, event, t0);
  CHECK(code_of(error) == "invalid_transition");
}

// --- release -----------------------------------------------------------------

TEST_CASE("processing + release -> pending and that attempt does not count",
          "[transitions][release]") {
  auto j = processing_job(2);
  j.run_at = t0 - 1h;
  auto next = accept(j, events::release{2}, t0);
  CHECK(state_of(next) == "pending");
  CHECK(next.attempt == 1);
  CHECK(next.run_at == t0);
  CHECK(next.errors == j.errors);
  CHECK_FALSE(next.finished_at);
  // The attempt given back can be started again, with the same number.
  CHECK(accept(next, events::dispatch{}, t0).attempt == 2);
}

TEST_CASE("stale release is rejected naming both attempt numbers",
          "[transitions][release][fencing]") {
  auto j = processing_job(2);
  auto error = reject(j, events::release{1}, t0);
  CHECK(code_of(error) == "stale_attempt");
  CHECK(error.job_attempt == 2);
  CHECK(error.event_attempt == 1);
  CHECK_THAT(error.message(), Catch::Contains("release"));
}

// --- cancel ------------------------------------------------------------------

TEST_CASE("pending or scheduled or retrying + cancel -> cancelled",
          "[transitions][cancel]") {
  auto state = GENERATE(job_state::pending, job_state::scheduled,
                        job_state::retrying);
  auto j = job_in(state);
  auto next = accept(j, events::cancel{}, t0);
  CHECK(state_of(next) == "cancelled");
  REQUIRE(next.finished_at);
  CHECK(*next.finished_at == t0);
  CHECK(next.attempt == j.attempt);
  CHECK(next.errors == j.errors);
}

TEST_CASE("processing + cancel -> still processing with cancel_requested",
          "[transitions][cancel]") {
  auto j = processing_job(1);
  auto next = accept(j, events::cancel{}, t0);
  CHECK(state_of(next) == "processing");
  CHECK(next.cancel_requested);
  CHECK(next.attempt == 1);
  CHECK_FALSE(next.finished_at);

  auto again = accept(next, events::cancel{}, t0 + 1s);
  CHECK(state_of(again) == "processing");
  CHECK(again.cancel_requested);
}

TEST_CASE("cancel requested + success -> cancelled when the attempt ends",
          "[transitions][cancel]") {
  auto j = accept(processing_job(1), events::cancel{}, t0);
  auto next = accept(j, events::success{1}, t0 + 2s);
  CHECK(state_of(next) == "cancelled");
  CHECK_FALSE(next.cancel_requested);
  REQUIRE(next.finished_at);
  CHECK(*next.finished_at == t0 + 2s);
}

TEST_CASE("cancel requested + failure -> cancelled with the failure recorded",
          "[transitions][cancel]") {
  auto j = accept(processing_job(1), events::cancel{}, t0);
  auto error = jobrt::job_error::transient("interrupted");
  auto next = accept(j, events::failure{1, error, 5s}, t0 + 2s);
  CHECK(state_of(next) == "cancelled");
  REQUIRE(next.errors.size() == 1);
  CHECK(next.errors.back() == jobrt::attempt_error{1, error, t0 + 2s});
  REQUIRE(next.finished_at);
  CHECK(*next.finished_at == t0 + 2s);
}

TEST_CASE("cancel requested + release -> cancelled",
          "[transitions][cancel]") {
  auto j = accept(processing_job(1), events::cancel{}, t0);
  auto next = accept(j, events::release{1}, t0 + 2s);
  CHECK(state_of(next) == "cancelled");
  CHECK(next.attempt == 0);
  REQUIRE(next.finished_at);
}

TEST_CASE("cancel requested + stale reply is still rejected",
          "[transitions][cancel][fencing]") {
  auto j = accept(processing_job(2), events::cancel{}, t0);
  auto error = reject(j, events::success{1}, t0);
  CHECK(code_of(error) == "stale_attempt");
}

TEST_CASE("completed or dead or cancelled + cancel is rejected",
          "[transitions][cancel]") {
  auto state = GENERATE(job_state::completed, job_state::dead,
                        job_state::cancelled);
  auto error = reject(job_in(state), events::cancel{}, t0);
  CHECK(code_of(error) == "invalid_transition");
  CHECK(error.state == state);
  CHECK(error.event == "cancel");
}

// --- requeue -----------------------------------------------------------------

TEST_CASE("dead + requeue -> pending with attempt 0 and history kept",
          "[transitions][requeue]") {
  auto j = accept(processing_job(3, 3),
                  events::failure{3, jobrt::job_error::transient("x"), 1s}, t0);
  REQUIRE(state_of(j) == "dead");
  auto next = accept(j, events::requeue{}, t0 + 1h);
  CHECK(state_of(next) == "pending");
  CHECK(next.attempt == 0);
  CHECK(next.max_attempts == 3);
  CHECK(next.run_at == t0 + 1h);
  CHECK_FALSE(next.finished_at);
  CHECK(next.errors == j.errors);
  CHECK(next.errors.size() == 3);
  CHECK(accept(next, events::dispatch{}, t0 + 1h).attempt == 1);
}

TEST_CASE("cancelled + requeue -> pending with the cancel request cleared",
          "[transitions][requeue]") {
  auto j = accept(processing_job(1), events::cancel{}, t0);
  j = accept(j, events::failure{1, jobrt::job_error::transient("x"), 1s}, t0);
  REQUIRE(state_of(j) == "cancelled");
  auto next = accept(j, events::requeue{}, t0 + 1s);
  CHECK(state_of(next) == "pending");
  CHECK_FALSE(next.cancel_requested);
  CHECK_FALSE(next.finished_at);
  CHECK(next.attempt == 0);
  CHECK(next.errors.size() == 1);

  // Even a stored record that kept the flag must not cancel the new run.
  auto flagged = job_in(job_state::cancelled);
  flagged.cancel_requested = true;
  CHECK_FALSE(accept(flagged, events::requeue{}, t0).cancel_requested);
}

TEST_CASE("completed + requeue is rejected", "[transitions][requeue]") {
  auto error = reject(job_in(job_state::completed), events::requeue{}, t0);
  CHECK(code_of(error) == "invalid_transition");
}

// --- purge -------------------------------------------------------------------

TEST_CASE("completed or dead or cancelled + purge -> returned unchanged",
          "[transitions][purge]") {
  auto state = GENERATE(job_state::completed, job_state::dead,
                        job_state::cancelled);
  auto j = job_in(state);
  auto next = jobrt::apply_event(j, events::purge{}, t0 + 1h);
  REQUIRE(next);
  CHECK(next.value() == j);
}

TEST_CASE("a live job + purge is rejected", "[transitions][purge]") {
  auto state = GENERATE(job_state::pending, job_state::scheduled,
                        job_state::processing, job_state::retrying);
  auto error = reject(job_in(state), events::purge{}, t0);
  CHECK(code_of(error) == "invalid_transition");
}

// --- names -------------------------------------------------------------------

TEST_CASE("every event kind has its own name", "[transitions][names]") {
  auto kinds = jobrt::every_event_kind();
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    CHECK(kinds[i].index() == i);
    names.push_back(jobrt::event_name(kinds[i]));
  }
  CHECK(names == std::vector<std::string_view>{"due", "dispatch", "success",
                                               "failure", "release", "cancel",
                                               "requeue", "purge"});
}

TEST_CASE("transition error codes have names", "[transitions][names]") {
  using code = jobrt::transition_error::code_type;
  CHECK(to_string(code::invalid_transition) == "invalid_transition");
  CHECK(to_string(code::stale_attempt) == "stale_attempt");
  CHECK(to_string(code::not_due) == "not_due");
  CHECK(to_string(code::attempts_exhausted) == "attempts_exhausted");
}

// --- a whole life ------------------------------------------------------------

TEST_CASE("enqueue -> scheduled -> due -> two retries -> completed",
          "[transitions][scenario]") {
  auto spec = spec_for();
  spec.run_at = t0 + 1min;
  spec.max_attempts = 3;
  auto j = jobrt::make_job(spec, 9, jobrt::job_defaults{}, t0);
  auto now = t0 + 1min;
  j = accept(j, events::due{}, now);
  for (std::int32_t attempt = 1; attempt <= 2; ++attempt) {
    j = accept(j, events::dispatch{}, now);
    REQUIRE(j.attempt == attempt);
    j = accept(j, events::failure{attempt, jobrt::job_error::transient("x"), 1s},
               now);
    REQUIRE(state_of(j) == "retrying");
    CHECK(code_of(reject(j, events::due{}, now)) == "not_due");
    now = j.run_at;
    j = accept(j, events::due{}, now);
  }
  j = accept(j, events::dispatch{}, now);
  // The first attempt's late reply cannot complete the job.
  CHECK(code_of(reject(j, events::success{1}, now)) == "stale_attempt");
  j = accept(j, events::success{3}, now);
  CHECK(state_of(j) == "completed");
  CHECK(j.errors.size() == 2);
  CHECK(j.created_at == t0);
}
