#include "duration_arg.hpp"

#include "cli/decimal_arg.hpp"

#include <cstdint>
#include <limits>
#include <optional>

namespace jobctl {

namespace {

using code_type = duration_arg_error::code_type;

std::optional<std::int64_t> unit_in_ms(char unit) {
  switch (unit) {
    case 's':
      return 1000;
    case 'm':
      return 60 * 1000;
    case 'h':
      return 60 * 60 * 1000;
    case 'd':
      return 24 * 60 * 60 * 1000;
    default:
      return std::nullopt;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

} // namespace

std::string duration_arg_error::message() const {
  auto quoted = "'" + text + "'";
  switch (code) {
    case code_type::malformed:
      return quoted + " is not a duration (a whole number and a unit: 30s, "
                      "15m, 12h, 7d)";
    case code_type::unknown_unit:
      return quoted + " has an unknown unit (use s, m, h or d)";
    case code_type::too_large:
      return quoted + " is too large";
  }
  return quoted + " is not a duration";
}

jobrt::result<jobrt::duration, duration_arg_error>
parse_duration_arg(std::string_view text) {
  auto fail = [&](code_type code) {
    return duration_arg_error{code, std::string(text)};
  };
  if (text.size() < 2)
    return fail(code_type::malformed);
  constexpr auto max_ms = std::numeric_limits<std::int64_t>::max();
  auto digits = jobrt::cli::parse_decimal_arg(
      "--older-than", text.substr(0, text.size() - 1),
      {0, static_cast<std::uint64_t>(max_ms)});
  if (!digits &&
      digits.error().code == jobrt::cli::decimal_arg_error::code_type::malformed)
    return fail(code_type::malformed);
  auto unit = unit_in_ms(text.back());
  if (!unit)
    return fail(is_digit(text.back()) ? code_type::malformed
                                      : code_type::unknown_unit);
  if (!digits)
    return fail(code_type::too_large);
  auto count = static_cast<std::int64_t>(digits.value());
  if (count > max_ms / *unit)
    return fail(code_type::too_large);
  return jobrt::duration{count * *unit};
}

} // namespace jobctl
