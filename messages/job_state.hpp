#pragma once

// The states of a job (see DESIGN.md, "States and transitions").

#include "jobrt/messages/result.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace jobrt {

enum class job_state : std::uint8_t {
  pending,    ///< ready to run
  scheduled,  ///< waits for run_at
  processing, ///< an attempt runs
  retrying,   ///< the last attempt failed; waits for its backoff
  completed,  ///< terminal: the handler succeeded
  dead,       ///< terminal: attempts exhausted or permanent error
  cancelled,  ///< terminal: cancelled by a caller or operator
};

inline constexpr std::array<job_state, 7> all_job_states{
    job_state::pending,   job_state::scheduled, job_state::processing,
    job_state::retrying,  job_state::completed, job_state::dead,
    job_state::cancelled,
};

/// True for completed, dead and cancelled: the job never runs again unless
/// an operator requeues it.
constexpr bool is_terminal(job_state s) noexcept {
  return s == job_state::completed || s == job_state::dead ||
         s == job_state::cancelled;
}

/// The lower-case name used in logs, JSON and the database ("pending", ...).
std::string_view to_string(job_state s) noexcept;

/// Why a name did not parse; `text` is the rejected input.
struct unknown_name {
  std::string what; ///< the vocabulary that was expected, e.g. "job_state"
  std::string text;
  std::string message() const;
};

result<job_state, unknown_name> parse_job_state(std::string_view text);

} // namespace jobrt
