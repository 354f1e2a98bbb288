#pragma once

// What subscribers see: every change of a job's state and every change of a
// breaker's state, in the order the runtime made them durable. One message
// carries all the events of one supervisor turn.

#include "jobrt/messages/breaker.hpp"
#include "jobrt/messages/job.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobrt {

struct job_transition_event {
  job_id id = 0;
  std::string type;
  std::string queue;
  std::optional<job_state> from; ///< unset: the job was just enqueued
  std::optional<job_state> to;   ///< unset: the job was purged
  std::int32_t attempt = 0;      ///< the job's attempt after the change
  time_point at{};
  /// Set when the change recorded a failed attempt.
  std::optional<job_error> error;
};

struct breaker_event {
  std::string key;
  breaker_transition transition;
};

struct event_batch {
  std::vector<job_transition_event> jobs;
  std::vector<breaker_event> breakers;
};

} // namespace jobrt
