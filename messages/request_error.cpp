#include "jobrt/messages/request_error.hpp"

namespace jobrt {

std::string_view to_string(request_error::code_type c) noexcept {
  using code = request_error::code_type;
  switch (c) {
    case code::invalid_spec: return "invalid_spec";
    case code::unknown_job_type: return "unknown_job_type";
    case code::not_found: return "not_found";
    case code::invalid_transition: return "invalid_transition";
    case code::shutting_down: return "shutting_down";
    case code::store_failure: return "store_failure";
    case code::not_started: return "not_started";
    case code::invalid_config: return "invalid_config";
    case code::too_large: return "too_large";
    case code::timeout: return "timeout";
    case code::conflict: return "conflict";
  }
  return "unknown";
}

std::string describe(const request_error& e) {
  std::string out(to_string(e.code));
  out += ": ";
  out += e.message;
  return out;
}

} // namespace jobrt
