#pragma once

// The state machine of a job: the only code that decides how a job changes.
// Pure and CAF-free: it takes a job, an event and the current time and
// returns the next job or a typed transition_error; it never reads a clock,
// never draws a random number and never consults a policy. Callers (the
// supervisor, recovery, jobctl) ask the retry policy first and pass its
// decision in the failure event.
//
// The table it implements is DESIGN.md's "States and transitions".

#include "jobrt/messages/job.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace jobrt {

namespace events {

/// The timer says run_at has come (scheduled, retrying → pending).
struct due {};

/// A runtime starts an attempt (pending → processing, attempt += 1) and
/// holds it as `owner` until `lease_until`. The caller has already checked
/// that the job's lane admits it (breaker, limits).
struct dispatch {
  std::string owner{};
  std::optional<time_point> lease_until{};
};

/// The attempt numbered `attempt` succeeded.
struct success {
  std::int32_t attempt = 0;
  std::optional<std::string> output{}; ///< kept in the job record
};

/// The attempt numbered `attempt` failed (also: timed out, or was abandoned
/// by a crashed owner, found at recovery). `retry_delay` is the retry
/// policy's decision: the backoff to wait, or nullopt for "do not retry".
struct failure {
  std::int32_t attempt = 0;
  job_error error;
  std::optional<duration> retry_delay;
};

/// Graceful shutdown gives the attempt back: the job returns to pending and
/// that attempt does not count.
struct release {
  std::int32_t attempt = 0;
};

/// A caller or operator cancels the job.
struct cancel {};

/// An operator runs a dead or cancelled job again from attempt 0.
struct requeue {};

/// An operator or retention removes a finished job.
struct purge {};

} // namespace events

using job_event =
    std::variant<events::due, events::dispatch, events::success,
                 events::failure, events::release, events::cancel,
                 events::requeue, events::purge>;

/// Names as used in errors and logs: "due", "dispatch", "success", ...
std::string_view event_name(const job_event& e) noexcept;

/// One value of every event kind (attempt numbers 0), for code and tests
/// that must cover each kind.
std::array<job_event, std::variant_size_v<job_event>> every_event_kind();

struct transition_error {
  enum class code_type {
    /// The table has no row for this (state, event) pair.
    invalid_transition,
    /// The event's attempt is not the job's current attempt (fencing).
    stale_attempt,
    /// due or dispatch before the job's run_at.
    not_due,
    /// dispatch of a job that has used all its attempts.
    attempts_exhausted,
  };
  code_type code = code_type::invalid_transition;
  job_id id = 0;
  job_state state = job_state::pending;
  std::string event;
  /// The job's attempt; set for stale_attempt and attempts_exhausted.
  std::int32_t job_attempt = 0;
  std::int32_t event_attempt = 0; ///< set for stale_attempt
  std::string message() const;

  friend bool operator==(const transition_error&,
                         const transition_error&) = default;
};

std::string_view to_string(transition_error::code_type c) noexcept;

/// Applies `event` to `current` at time `now`.
///
/// On success the returned job is the new record: state, attempt, run_at,
/// error history and timestamps updated (updated_at = now). For `purge` the
/// record is returned unchanged and the caller removes it.
///
/// Checks run in this order: the (state, event) pair, then the attempt
/// (stale_attempt), then run_at (not_due), then the attempt budget. A cancel
/// while processing only sets cancel_requested; the attempt's success,
/// failure or release then ends the job as cancelled (a failure is still
/// recorded) and clears the flag. A negative retry_delay means "now"; one
/// past the end of the clock saturates.
result<job, transition_error> apply_event(const job& current,
                                          const job_event& event,
                                          time_point now);

/// What the type's registration supplies to a new job where the spec is
/// silent.
struct job_defaults {
  std::int32_t max_attempts = 5;
  duration timeout{std::chrono::minutes(30)};
};

/// The "— → enqueue" row: a new job, pending or (run_at in the future)
/// scheduled. The spec must already be valid (see validate_spec in
/// messages/job.hpp).
job make_job(const job_spec& spec, job_id id, const job_defaults& defaults,
             time_point now);

} // namespace jobrt
