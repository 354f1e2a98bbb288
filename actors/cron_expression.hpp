#pragma once

// A cron expression as Vixie cron (and cronie, Debian's cron) reads it: five
// fields, minute hour day-of-month month day-of-week, or one of the macros.
// Pure and CAF-free; it knows wall-clock fields only, not time zones or DST
// (periodic_schedule.hpp maps its matches onto real time).
//
// Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a
// comma-separated list of those. Months take JAN-DEC and weekdays SUN-SAT,
// in any case, also as ends of a range; weekday 7 is Sunday, as is 0.
// What Vixie cron refuses is refused here too, with the field and the
// offending value: a step without a range (`5/15`: Vixie reads it as an
// error, other crons as "from 5"), a step of 0 or beyond the field's top,
// a range that runs backwards (`22-2`). An expression that can never fire
// (`0 0 30 2 *`) is refused as well: Vixie would accept it and stay silent
// for ever, which is never what its author meant.

#include "jobrt/messages/result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobrt {

enum class cron_field : std::uint8_t {
  expression, ///< the text as a whole: field count, macros
  minute,
  hour,
  day_of_month,
  month,
  day_of_week,
};

/// "minute", "hour", "day-of-month", "month", "day-of-week", "expression".
std::string_view to_string(cron_field f) noexcept;

/// Why a cron expression was refused.
struct cron_error {
  enum class problem_type : std::uint8_t {
    field_count,     ///< not five fields
    unknown_macro,   ///< `@reboot`, `@often`
    not_a_value,     ///< neither a number nor a name of the field
    out_of_range,    ///< a number outside the field's range
    reversed_range,  ///< `a-b` with a > b
    invalid_step,    ///< `/n` without a range, n not a number, n out of range
    empty_element,   ///< `1,,2`, a trailing comma
    never_fires,     ///< days that no chosen month has
  };
  cron_field field = cron_field::expression;
  problem_type problem = problem_type::field_count;
  /// The offending text as written: the list element, or the whole field
  /// or expression when the problem is theirs.
  std::string value;
  /// What is wrong with it, e.g. "out of range 0-59".
  std::string detail;

  /// "field: value detail", e.g. "minute: 61 out of range 0-59".
  std::string message() const;

  friend bool operator==(const cron_error&, const cron_error&) = default;
};

/// Wall-clock time in no particular zone, at the minute.
using local_minutes = std::chrono::local_time<std::chrono::minutes>;

class cron_expression {
public:
  /// The five fields or a macro: @yearly and @annually (0 0 1 1 *),
  /// @monthly (0 0 1 * *), @weekly (0 0 * * 0), @daily and @midnight
  /// (0 0 * * *), @hourly (0 * * * *). Surrounding blanks are ignored.
  static result<cron_expression, cron_error> parse(std::string_view text);

  /// Whether a clock showing `t` shows a matching time. Vixie's rule for
  /// the two day fields: when both are restricted (neither is written with
  /// a leading `*`), a day matches if EITHER matches; otherwise both must.
  /// A field written as `*/n` counts as unrestricted, as in Vixie cron, so
  /// `0 0 */2 * MON` is the odd-numbered days that are Mondays.
  bool matches(local_minutes t) const noexcept;

  /// The first matching wall-clock minute at or after `from`; nullopt only
  /// beyond the year 9999.
  std::optional<local_minutes> next_match(local_minutes from) const noexcept;

  /// Neither minute nor hour is written with a leading `*`: Vixie cron's
  /// "fixed-time" job, which its DST rules treat apart from wildcard jobs
  /// (periodic_schedule.hpp).
  bool fixed_time() const noexcept { return !minute_star_ && !hour_star_; }

  /// The text it was parsed from, without surrounding blanks.
  const std::string& text() const noexcept { return text_; }

  friend bool operator==(const cron_expression&, const cron_expression&) = default;

private:
  cron_expression() = default;
  bool day_matches(std::chrono::year_month_day d) const noexcept;
  std::optional<std::chrono::minutes>
  first_time_from(std::chrono::minutes of_day) const noexcept;

  std::uint64_t minutes_ = 0;        ///< bit m: minute m
  std::uint32_t hours_ = 0;          ///< bit h: hour h
  std::uint32_t days_of_month_ = 0;  ///< bit d: day d, 1-31
  std::uint16_t months_ = 0;         ///< bit m: month m, 1-12
  std::uint8_t days_of_week_ = 0;    ///< bit d: weekday d, 0 = Sunday
  bool minute_star_ = false;
  bool hour_star_ = false;
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
  std::string text_;
};

} // namespace jobrt
