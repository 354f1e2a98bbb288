#include "jobrt/messages/job_state.hpp"

namespace jobrt {

std::string_view to_string(job_state s) noexcept {
  switch (s) {
    case job_state::pending: return "pending";
    case job_state::scheduled: return "scheduled";
    case job_state::processing: return "processing";
    case job_state::retrying: return "retrying";
    case job_state::completed: return "completed";
    case job_state::dead: return "dead";
    case job_state::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string unknown_name::message() const {
  return "unknown " + what + " '" + text + "'";
}

result<job_state, unknown_name> parse_job_state(std::string_view text) {
  for (auto s : all_job_states)
    if (to_string(s) == text)
      return s;
  return unknown_name{"job_state", std::string(text)};
}

} // namespace jobrt
