#pragma once

// The age argument of `jobctl purge --older-than`: a whole number followed by
// one unit, s (seconds), m (minutes), h (hours) or d (days), e.g. 30s, 15m,
// 12h, 7d. Nothing else is accepted: no sign, no spaces, no fractions, no
// combined units ("1h30m").

#include "jobrt/messages/result.hpp"
#include "jobrt/messages/time.hpp"

#include <string>
#include <string_view>

namespace jobctl {

struct duration_arg_error {
  enum class code_type {
    malformed,    ///< not digits followed by one unit letter
    unknown_unit, ///< the unit letter is not s, m, h or d
    too_large,    ///< does not fit jobrt's millisecond durations
  };
  code_type code = code_type::malformed;
  std::string text; ///< the rejected argument
  /// e.g. "'7w' has an unknown unit (use s, m, h or d)".
  std::string message() const;

  friend bool operator==(const duration_arg_error&,
                         const duration_arg_error&) = default;
};

jobrt::result<jobrt::duration, duration_arg_error>
parse_duration_arg(std::string_view text);

} // namespace jobctl
