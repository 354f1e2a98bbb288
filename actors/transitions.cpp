#include "jobrt/actors/transitions.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace jobrt {

namespace {

using code_type = transition_error::code_type;
using step_result = result<job, transition_error>;

// Indexed by the variant's alternative index, so the order must follow
// job_event's.
constexpr std::array<std::string_view, std::variant_size_v<job_event>>
    event_names{"due",     "dispatch", "success", "failure",
                "release", "cancel",   "requeue", "purge"};

static_assert(std::is_same_v<std::variant_alternative_t<0, job_event>,
                             events::due> &&
              std::is_same_v<std::variant_alternative_t<7, job_event>,
                             events::purge>,
              "event_names must follow the order of job_event");

// A negative backoff means "now"; one past the end of the clock saturates.
time_point retry_time(time_point now, duration delay) {
  return saturating_add(now, std::max(delay, duration::zero()));
}

// Applies one event to one job. Each operator() handles one event kind and
// checks its preconditions in the order the errors are documented: state
// first, then fencing, then timing and attempt budget.
class stepper {
public:
  stepper(const job& current, const job_event& event, time_point now)
    : current_(current), event_(event), now_(now) {}

  step_result operator()(const events::due&) const {
    if (!in(job_state::scheduled, job_state::retrying))
      return reject(code_type::invalid_transition);
    if (now_ < current_.run_at)
      return reject(code_type::not_due);
    return moved_to(job_state::pending);
  }

  step_result operator()(const events::dispatch& e) const {
    if (!in(job_state::pending))
      return reject(code_type::invalid_transition);
    if (now_ < current_.run_at)
      return reject(code_type::not_due);
    if (current_.attempt >= current_.max_attempts)
      return reject(code_type::attempts_exhausted);
    auto next = moved_to(job_state::processing);
    next.attempt += 1;
    next.owner = e.owner;
    next.lease_until = e.lease_until;
    return next;
  }

  step_result operator()(const events::success& e) const {
    if (auto error = check_fence(e.attempt))
      return std::move(*error);
    auto next = moved_to(job_state::completed);
    next.output = e.output;
    return end_attempt(std::move(next));
  }

  step_result operator()(const events::failure& e) const {
    if (auto error = check_fence(e.attempt))
      return std::move(*error);
    auto next = touched();
    next.errors.push_back(attempt_error{e.attempt, e.error, now_});
    if (!is_retryable(e.error.kind) || !e.retry_delay ||
        current_.attempt >= current_.max_attempts)
      return end_attempt(finish(std::move(next), job_state::dead));
    next.state = job_state::retrying;
    next.run_at = retry_time(now_, *e.retry_delay);
    return end_attempt(std::move(next));
  }

  step_result operator()(const events::release& e) const {
    if (auto error = check_fence(e.attempt))
      return std::move(*error);
    auto next = moved_to(job_state::pending);
    // The attempt never ran to an outcome, so it must not use up budget.
    next.attempt -= 1;
    next.run_at = now_;
    return end_attempt(std::move(next));
  }

  step_result operator()(const events::cancel&) const {
    if (in(job_state::pending, job_state::scheduled, job_state::retrying))
      return moved_to(job_state::cancelled);
    if (in(job_state::processing)) {
      // Cooperative: the attempt is asked to stop and decides the moment;
      // its result (or release) then ends the job as cancelled.
      auto next = touched();
      next.cancel_requested = true;
      return next;
    }
    return reject(code_type::invalid_transition);
  }

  step_result operator()(const events::requeue&) const {
    if (!in(job_state::dead, job_state::cancelled))
      return reject(code_type::invalid_transition);
    auto next = touched();
    next.state = job_state::pending;
    next.attempt = 0;
    next.run_at = now_;
    next.cancel_requested = false;
    next.finished_at.reset();
    return next; // the error history stays: it explains why it was dead
  }

  step_result operator()(const events::purge&) const {
    if (!is_terminal(current_.state))
      return reject(code_type::invalid_transition);
    return current_;
  }

private:
  template <class... States>
  bool in(States... states) const {
    return ((current_.state == states) || ...);
  }

  job touched() const {
    auto next = current_;
    next.updated_at = now_;
    return next;
  }

  job moved_to(job_state state) const {
    auto next = touched();
    next.state = state;
    if (is_terminal(state))
      next.finished_at = now_;
    return next;
  }

  job finish(job next, job_state state) const {
    next.state = state;
    next.finished_at = now_;
    return next;
  }

  // A cancel requested during the attempt wins over whatever the attempt
  // ended with; the request is then fulfilled, so the flag is cleared.
  job end_attempt(job next) const {
    // The attempt is over, and with it its owner's claim on the job.
    next.owner.clear();
    next.lease_until.reset();
    if (!next.cancel_requested)
      return next;
    next.cancel_requested = false;
    return finish(std::move(next), job_state::cancelled);
  }

  // Attempt results are only meaningful for the attempt that runs now.
  std::optional<transition_error> check_fence(std::int32_t attempt) const {
    if (!in(job_state::processing))
      return reject(code_type::invalid_transition);
    if (attempt != current_.attempt) {
      auto error = reject(code_type::stale_attempt);
      error.event_attempt = attempt;
      return error;
    }
    return std::nullopt;
  }

  transition_error reject(code_type code) const {
    transition_error error;
    error.code = code;
    error.id = current_.id;
    error.state = current_.state;
    error.event = std::string(event_name(event_));
    if (code == code_type::stale_attempt ||
        code == code_type::attempts_exhausted)
      error.job_attempt = current_.attempt;
    return error;
  }

  const job& current_;
  const job_event& event_;
  time_point now_;
};

} // namespace

std::string_view event_name(const job_event& e) noexcept {
  if (e.valueless_by_exception())
    return "unknown";
  return event_names[e.index()];
}

std::array<job_event, std::variant_size_v<job_event>> every_event_kind() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<job_event, sizeof...(I)>{
        job_event(std::in_place_index<I>)...};
  }(std::make_index_sequence<std::variant_size_v<job_event>>{});
}

std::string_view to_string(transition_error::code_type c) noexcept {
  switch (c) {
    case code_type::invalid_transition: return "invalid_transition";
    case code_type::stale_attempt: return "stale_attempt";
    case code_type::not_due: return "not_due";
    case code_type::attempts_exhausted: return "attempts_exhausted";
  }
  return "unknown";
}

std::string transition_error::message() const {
  auto prefix = "job " + std::to_string(id) + ": event '" + event + "' ";
  auto in_state = "in state '" + std::string(to_string(state)) + "'";
  switch (code) {
    case code_type::invalid_transition:
      return prefix + "is not allowed " + in_state;
    case code_type::stale_attempt:
      return prefix + "is for attempt " + std::to_string(event_attempt) +
             " but the job is on attempt " + std::to_string(job_attempt) +
             " (stale reply discarded)";
    case code_type::not_due:
      return prefix + "came before the job's run_at " + in_state;
    case code_type::attempts_exhausted:
      return prefix + "refused " + in_state + ": all attempts used (" +
             std::to_string(job_attempt) + " started)";
  }
  return prefix + "rejected " + in_state;
}

result<job, transition_error> apply_event(const job& current,
                                          const job_event& event,
                                          time_point now) {
  return std::visit(stepper{current, event, now}, event);
}

job make_job(const job_spec& spec, job_id id, const job_defaults& defaults,
             time_point now) {
  job j;
  j.id = id;
  j.type = spec.type;
  j.queue = spec.queue;
  j.payload = spec.payload;
  j.priority = spec.priority;
  j.max_attempts = spec.max_attempts.value_or(defaults.max_attempts);
  j.timeout = spec.timeout.value_or(defaults.timeout);
  j.breaker_key = spec.breaker_key.value_or(spec.type);
  j.unique_key = spec.unique_key;
  j.run_at = spec.run_at.value_or(now);
  j.state = j.run_at > now ? job_state::scheduled : job_state::pending;
  j.created_at = now;
  j.updated_at = now;
  return j;
}

} // namespace jobrt
