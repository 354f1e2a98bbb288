#include "jobrt/messages/job_error.hpp"

#include <utility>

namespace jobrt {

std::string_view to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::transient: return "transient";
    case error_kind::permanent: return "permanent";
    case error_kind::timeout: return "timeout";
    case error_kind::abandoned: return "abandoned";
  }
  return "unknown";
}

result<error_kind, unknown_name> parse_error_kind(std::string_view text) {
  for (auto k : all_error_kinds)
    if (to_string(k) == text)
      return k;
  return unknown_name{"error_kind", std::string(text)};
}

job_error job_error::transient(std::string code, std::string message) {
  return job_error{error_kind::transient, std::move(code), std::move(message),
                   std::nullopt};
}

job_error job_error::permanent(std::string code, std::string message) {
  return job_error{error_kind::permanent, std::move(code), std::move(message),
                   std::nullopt};
}

job_error job_error::timeout(std::string message) {
  return job_error{error_kind::timeout, std::string(error_codes::timeout),
                   std::move(message), std::nullopt};
}

job_error job_error::abandoned(std::string message) {
  return job_error{error_kind::abandoned, std::string(error_codes::abandoned),
                   std::move(message), std::nullopt};
}

} // namespace jobrt
