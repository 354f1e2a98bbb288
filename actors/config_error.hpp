#pragma once

// Why a retry policy or breaker configuration was refused. Configuration is
// checked once, when a handler is registered, so that nonsense (a factor
// below 1, an empty schedule, a threshold its window can never hold) is
// reported to whoever wrote it instead of surfacing as odd behaviour later.

#include "jobrt/messages/result.hpp"

#include <string>
#include <string_view>

namespace jobrt {

struct config_error {
  /// Dotted path of the offending setting, e.g. "rules[1].backoff.factor".
  std::string field;
  /// What the setting must be, e.g. "must be positive".
  std::string detail;

  /// "field: detail".
  std::string message() const { return field + ": " + detail; }

  friend bool operator==(const config_error&, const config_error&) = default;
};

/// The result of a configuration check: success, or the first bad setting.
using config_check = result<void, config_error>;

inline config_check reject_setting(std::string_view field,
                                   std::string_view detail) {
  return config_error{std::string(field), std::string(detail)};
}

} // namespace jobrt
