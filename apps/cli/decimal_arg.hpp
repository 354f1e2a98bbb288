#pragma once

// The numbers on jobrt's command lines (jobctl, jobrt-bench, jobrt-demo, the
// crash test's worker and settings): plain decimal digits and nothing else,
// within a range the caller names. No sign, no spaces, no hex or octal
// prefix ("010" is ten, never eight), no exponent, no trailing text, and no
// silent clamping of a number too large for 64 bits. Header-only, so every
// program (and the tests, with or without apps/) can use it without a
// library of its own.
//
// Pure functions: nothing is thrown; a refusal is a decimal_arg_error whose
// message names the argument and says in words what it must be, ready to
// print.

#include "jobrt/messages/result.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace jobrt::cli {

/// The accepted values, both ends included.
struct decimal_range {
  std::uint64_t min = 0;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
};

struct decimal_arg_error {
  enum class code_type : std::uint8_t {
    malformed,    ///< not decimal digits: empty, a sign, hex, spaces, ...
    out_of_range, ///< digits, but outside the range (or beyond 64 bits)
  };
  code_type code = code_type::malformed;
  /// e.g. "id must be a positive decimal number, not '0x10'".
  std::string message;
};

namespace detail {

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

inline bool all_digits(std::string_view text) noexcept {
  for (char c : text)
    if (!is_digit(c))
      return false;
  return !text.empty();
}

/// The value of `digits` (all decimal digits), or false past 64 bits.
inline bool accumulate(std::string_view digits, std::uint64_t& value) noexcept {
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  value = 0;
  for (char c : digits) {
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10)
      return false;
    value = value * 10 + digit;
  }
  return true;
}

inline std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

/// "a positive decimal number" for a range starting at 1, ...
inline std::string kind_of(const decimal_range& range) {
  if (range.min == 1)
    return "a positive decimal number";
  if (range.min == 0)
    return "a decimal number (digits only)";
  return "a decimal number";
}

/// Milliseconds as seconds: 2500 -> "2.5".
inline std::string seconds_text(std::uint64_t ms) {
  auto text = std::to_string(ms / 1000);
  if (auto fraction = ms % 1000; fraction != 0) {
    auto digits = std::to_string(1000 + fraction).substr(1);
    while (digits.back() == '0')
      digits.pop_back();
    text += "." + digits;
  }
  return text;
}

inline decimal_arg_error malformed(std::string message) {
  return {decimal_arg_error::code_type::malformed, std::move(message)};
}

inline decimal_arg_error out_of_range(std::string message) {
  return {decimal_arg_error::code_type::out_of_range, std::move(message)};
}

} // namespace detail

/// `text` as a whole number in `range`. `name` is what the user calls the
/// argument ("id", "--limit", "JOBRT_CRASH_JOBS"), for the message.
inline result<std::uint64_t, decimal_arg_error>
parse_decimal_arg(std::string_view name, std::string_view text,
                  decimal_range range = {}) {
  auto what = std::string(name) + " must be ";
  auto got = ", not " + detail::quoted(text);
  std::uint64_t value = 0;
  if (!detail::all_digits(text))
    return detail::malformed(what + detail::kind_of(range) + got);
  bool fits = detail::accumulate(text, value);
  if (fits && value >= range.min && value <= range.max)
    return value;
  if (fits && value == 0 && range.min == 1)
    return detail::out_of_range(what + detail::kind_of(range) + got);
  return detail::out_of_range(what + "between " + std::to_string(range.min) +
                              " and " + std::to_string(range.max) + got);
}

/// `text` as seconds with at most three decimals ("3", "2.5", "0.125"; not
/// ".5", "5.", "1e3", "inf"), in milliseconds; `ms_range` bounds the result
/// in milliseconds (its max at most INT64_MAX).
inline result<std::chrono::milliseconds, decimal_arg_error>
parse_seconds_arg(std::string_view name, std::string_view text,
                  decimal_range ms_range) {
  auto what = std::string(name) + " must be ";
  auto got = ", not " + detail::quoted(text);
  auto whole = text;
  std::string_view fraction;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = text.substr(dot + 1);
  }
  bool has_dot = whole.size() != text.size();
  if (!detail::all_digits(whole) ||
      (has_dot && (!detail::all_digits(fraction) || fraction.size() > 3)))
    return detail::malformed(what + "a number of seconds (digits, with at "
                                    "most three decimals: 30, 2.5, 0.125)" +
                             got);
  std::uint64_t seconds = 0;
  std::uint64_t fraction_ms = 0;
  bool fits = detail::accumulate(whole, seconds) &&
              seconds < std::numeric_limits<std::uint64_t>::max() / 1000;
  (void) detail::accumulate(fraction, fraction_ms);
  for (auto n = fraction.size(); n < 3; ++n)
    fraction_ms *= 10;
  auto ms = seconds * 1000 + fraction_ms; // cannot wrap when `fits`
  constexpr auto max_ms =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  auto max = ms_range.max < max_ms ? ms_range.max : max_ms;
  if (fits && ms >= ms_range.min && ms <= max)
    return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
  return detail::out_of_range(what + "between " +
                              detail::seconds_text(ms_range.min) + " and " +
                              detail::seconds_text(max) + " seconds" + got);
}

} // namespace jobrt::cli
