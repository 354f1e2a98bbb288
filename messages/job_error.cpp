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

std::string_view utf8_prefix(std::string_view text, std::size_t limit) noexcept {
  if (text.size() <= limit)
    return text;
  auto end = limit;
  // Step back over continuation bytes (10xxxxxx) to the start of the
  // character that the cut would split.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return text.substr(0, end);
}

job_error bound_error(job_error error) {
  if (error.code.size() > max_error_code_bytes)
    error.code = std::string(utf8_prefix(error.code, max_error_code_bytes));
  if (error.message.size() > max_error_message_bytes) {
    const auto total = error.message.size();
    // The marker needs room of its own: at most 32 bytes.
    auto kept = utf8_prefix(error.message, max_error_message_bytes - 32);
    auto marker = "... [" + std::to_string(total - kept.size()) + " bytes cut]";
    error.message = std::string(kept) + marker;
  }
  return error;
}

} // namespace jobrt
