#include "jobrt/actors/cron_expression.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <span>
#include <vector>

namespace jobrt {

namespace {

using namespace std::chrono;
using problem = cron_error::problem_type;

constexpr std::array<std::string_view, 12> month_names{
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
    "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> weekday_names{
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct field_spec {
  cron_field field;
  unsigned low;
  unsigned high;
  /// names[i] stands for first_named + i.
  std::span<const std::string_view> names;
  unsigned first_named;
  /// Completes "x is not ..." for a value that is neither.
  std::string_view what_it_must_be;
};

constexpr field_spec minute_spec{cron_field::minute, 0, 59, {}, 0,
                                 "is not a number (0-59)"};
constexpr field_spec hour_spec{cron_field::hour, 0, 23, {}, 0,
                               "is not a number (0-23)"};
constexpr field_spec day_of_month_spec{cron_field::day_of_month, 1, 31, {}, 0,
                                       "is not a number (1-31)"};
constexpr field_spec month_spec{cron_field::month, 1, 12, month_names, 1,
                                "is not a month (1-12 or JAN-DEC)"};
// 7 is Sunday too (folded onto bit 0 once parsed).
constexpr field_spec day_of_week_spec{cron_field::day_of_week, 0, 7,
                                      weekday_names, 0,
                                      "is not a weekday (0-7 or SUN-SAT)"};

/// The values one field allows, and whether it was written with a leading
/// `*` (Vixie's DOM_STAR, DOW_STAR, ...).
struct field_values {
  std::uint64_t bits = 0;
  bool star = false;
};

cron_error refuse(const field_spec& spec, problem p, std::string_view value,
                  std::string detail) {
  return cron_error{spec.field, p, std::string(value), std::move(detail)};
}

std::string range_text(unsigned low, unsigned high) {
  return std::to_string(low) + "-" + std::to_string(high);
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

bool same_letters(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

/// Decimal digits only; saturates far above any field's top so that a
/// long string of digits reads as "out of range", not as a wrapped number.
std::optional<unsigned> decimal(std::string_view s) {
  if (s.empty())
    return std::nullopt;
  unsigned value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = std::min(value * 10 + static_cast<unsigned>(c - '0'), 100000u);
  }
  return value;
}

result<unsigned, cron_error> field_value(const field_spec& spec,
                                         std::string_view token) {
  if (auto n = decimal(token)) {
    if (*n < spec.low || *n > spec.high)
      return refuse(spec, problem::out_of_range, token,
                    "out of range " + range_text(spec.low, spec.high));
    return *n;
  }
  for (std::size_t i = 0; i < spec.names.size(); ++i)
    if (same_letters(token, spec.names[i]))
      return spec.first_named + static_cast<unsigned>(i);
  return refuse(spec, problem::not_a_value, token,
                std::string(spec.what_it_must_be));
}

struct value_range {
  unsigned low;
  unsigned high;
};

/// `*`, `a` or `a-b` (the part of an element before any `/`).
result<value_range, cron_error> element_range(const field_spec& spec,
                                              std::string_view element,
                                              std::string_view base) {
  if (base == "*")
    return value_range{spec.low, spec.high};
  const auto dash = base.find('-');
  if (dash == std::string_view::npos) {
    BOOST_OUTCOME_TRY(v, field_value(spec, base));
    return value_range{v, v};
  }
  const auto first = base.substr(0, dash);
  const auto last = base.substr(dash + 1);
  if (first.empty() || last.empty())
    return refuse(spec, problem::not_a_value, element,
                  "is not a range (a-b)");
  BOOST_OUTCOME_TRY(low, field_value(spec, first));
  BOOST_OUTCOME_TRY(high, field_value(spec, last));
  if (low > high)
    return refuse(spec, problem::reversed_range, element,
                  "runs backwards (" + std::to_string(low) + " > " +
                      std::to_string(high) + ")");
  return value_range{low, high};
}

result<unsigned, cron_error> element_step(const field_spec& spec,
                                          std::string_view element,
                                          std::string_view base,
                                          std::string_view step) {
  if (base != "*" && base.find('-') == std::string_view::npos)
    return refuse(spec, problem::invalid_step, element,
                  "has a step without a range (write " + std::string(base) +
                      "-" + std::to_string(spec.high) + "/" +
                      std::string(step) + ")");
  const auto n = decimal(step);
  if (!n)
    return refuse(spec, problem::invalid_step, element,
                  "has a step that is not a number");
  if (*n < 1 || *n > spec.high)
    return refuse(spec, problem::invalid_step, element,
                  "step out of range " + range_text(1, spec.high));
  return *n;
}

result<std::uint64_t, cron_error> element_bits(const field_spec& spec,
                                               std::string_view element) {
  const auto slash = element.find('/');
  const auto base = element.substr(0, slash);
  unsigned step = 1;
  if (slash != std::string_view::npos) {
    BOOST_OUTCOME_TRY(written_step, element_step(spec, element, base,
                                                 element.substr(slash + 1)));
    step = written_step;
  }
  BOOST_OUTCOME_TRY(range, element_range(spec, element, base));
  std::uint64_t bits = 0;
  for (unsigned v = range.low; v <= range.high; v += step)
    bits |= std::uint64_t{1} << v;
  return bits;
}

result<field_values, cron_error> parse_field(const field_spec& spec,
                                             std::string_view text) {
  field_values values;
  values.star = text.front() == '*';
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const auto element = text.substr(start, comma - start);
    if (element.empty())
      return refuse(spec, problem::empty_element, text,
                    "has an empty list element");
    BOOST_OUTCOME_TRY(bits, element_bits(spec, element));
    values.bits |= bits;
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  if (spec.field == cron_field::day_of_week && (values.bits >> 7 & 1))
    values.bits = (values.bits & 0x7f) | 1;
  return values;
}

struct cron_macro {
  std::string_view name;
  std::string_view fields;
};

constexpr std::array<cron_macro, 7> macros{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

result<std::string_view, cron_error> expand_macro(std::string_view text) {
  for (const auto& m : macros)
    if (same_letters(text, m.name))
      return m.fields;
  return cron_error{cron_field::expression, problem::unknown_macro,
                    std::string(text),
                    "is not a macro (@yearly, @annually, @monthly, @weekly, "
                    "@daily, @midnight, @hourly)"};
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i]))
      ++i;
    const auto start = i;
    while (i < text.size() && !is_blank(text[i]))
      ++i;
    if (i > start)
      fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

constexpr std::string_view five_fields =
    "(minute hour day-of-month month day-of-week)";

/// The most days month m (1-12) ever has: February's 29th counts.
constexpr unsigned longest_month(unsigned m) {
  constexpr std::array<unsigned, 12> longest{31, 29, 31, 30, 31, 30,
                                             31, 31, 30, 31, 30, 31};
  return longest[m - 1];
}

/// Whether some chosen month has some chosen day. Only asked when both
/// day fields must match (one is unrestricted): the weekday of any date
/// cycles through all seven over the years, so the months decide alone.
bool some_month_has_a_day(std::uint64_t days, std::uint64_t months) {
  for (unsigned m = 1; m <= 12; ++m) {
    const auto month_days = (std::uint64_t{2} << longest_month(m)) - 2;
    if ((months >> m & 1) && (days & month_days))
      return true;
  }
  return false;
}

} // namespace

std::string_view to_string(cron_field f) noexcept {
  switch (f) {
    case cron_field::expression: return "expression";
    case cron_field::minute: return "minute";
    case cron_field::hour: return "hour";
    case cron_field::day_of_month: return "day-of-month";
    case cron_field::month: return "month";
    case cron_field::day_of_week: return "day-of-week";
  }
  return "expression";
}

std::string cron_error::message() const {
  std::string text(to_string(field));
  text += ": ";
  if (!value.empty()) {
    text += value;
    text += ' ';
  }
  text += detail;
  return text;
}

result<cron_expression, cron_error>
cron_expression::parse(std::string_view text) {
  const auto written = trim(text);
  auto fields_text = written;
  if (!written.empty() && written.front() == '@') {
    BOOST_OUTCOME_TRY(expansion, expand_macro(written));
    fields_text = expansion;
  }
  const auto fields = split_fields(fields_text);
  if (fields.size() != 5) {
    auto detail = written.empty()
                      ? "is empty: expected five fields " +
                            std::string(five_fields) + " or a macro"
                      : "has " + std::to_string(fields.size()) +
                            " fields, expected 5 " + std::string(five_fields);
    return cron_error{cron_field::expression, problem::field_count,
                      std::string(written), std::move(detail)};
  }
  BOOST_OUTCOME_TRY(in_minute, parse_field(minute_spec, fields[0]));
  BOOST_OUTCOME_TRY(in_hour, parse_field(hour_spec, fields[1]));
  BOOST_OUTCOME_TRY(in_day_of_month, parse_field(day_of_month_spec, fields[2]));
  BOOST_OUTCOME_TRY(in_month, parse_field(month_spec, fields[3]));
  BOOST_OUTCOME_TRY(in_day_of_week, parse_field(day_of_week_spec, fields[4]));
  if ((in_day_of_month.star || in_day_of_week.star) &&
      !some_month_has_a_day(in_day_of_month.bits, in_month.bits))
    return cron_error{cron_field::day_of_month, problem::never_fires,
                      std::string(fields[2]),
                      "never occurs in month " + std::string(fields[3])};
  cron_expression e;
  e.minutes_ = in_minute.bits;
  e.hours_ = static_cast<std::uint32_t>(in_hour.bits);
  e.days_of_month_ = static_cast<std::uint32_t>(in_day_of_month.bits);
  e.months_ = static_cast<std::uint16_t>(in_month.bits);
  e.days_of_week_ = static_cast<std::uint8_t>(in_day_of_week.bits);
  e.minute_star_ = in_minute.star;
  e.hour_star_ = in_hour.star;
  e.day_of_month_star_ = in_day_of_month.star;
  e.day_of_week_star_ = in_day_of_week.star;
  e.text_ = std::string(written);
  return e;
}

bool cron_expression::day_matches(year_month_day d) const noexcept {
  const bool dom = days_of_month_ >> unsigned(d.day()) & 1;
  const bool dow = days_of_week_ >> weekday(local_days(d)).c_encoding() & 1;
  if (day_of_month_star_ || day_of_week_star_)
    return dom && dow;
  return dom || dow;
}

bool cron_expression::matches(local_minutes t) const noexcept {
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const auto of_day = t - day;
  const auto hour = static_cast<unsigned>(of_day.count() / 60);
  const auto minute = static_cast<unsigned>(of_day.count() % 60);
  return (months_ >> unsigned(date.month()) & 1) && day_matches(date) &&
         (hours_ >> hour & 1) && (minutes_ >> minute & 1);
}

std::optional<minutes>
cron_expression::first_time_from(minutes of_day) const noexcept {
  const auto first_hour = static_cast<unsigned>(of_day.count() / 60);
  const auto first_minute = static_cast<unsigned>(of_day.count() % 60);
  auto hours_left = hours_ & (~std::uint32_t{0} << first_hour);
  while (hours_left != 0) {
    const auto h = static_cast<unsigned>(std::countr_zero(hours_left));
    hours_left &= hours_left - 1;
    const auto from = h == first_hour ? first_minute : 0u;
    const auto minutes_left = minutes_ & (~std::uint64_t{0} << from);
    if (minutes_left != 0)
      return hours(h) + minutes(std::countr_zero(minutes_left));
  }
  return std::nullopt;
}

std::optional<local_minutes>
cron_expression::next_match(local_minutes from) const noexcept {
  // Calendar arithmetic is only defined for years that year_month_day
  // holds; cron has no use for times outside 1-9999.
  constexpr local_days first_day{year{1} / January / 1};
  constexpr local_days end_day{year{10000} / January / 1};
  if (from >= end_day)
    return std::nullopt;
  from = std::max(from, local_minutes(first_day));
  auto day = floor<days>(from);
  auto of_day = from - day;
  while (day < end_day) {
    const year_month_day date{day};
    if (!(months_ >> unsigned(date.month()) & 1)) {
      day = local_days((date.year() / date.month() + months(1)) / 1);
      of_day = minutes(0);
      continue;
    }
    if (day_matches(date))
      if (auto t = first_time_from(of_day))
        return day + *t;
    day += days(1);
    of_day = minutes(0);
  }
  return std::nullopt;
}

} // namespace jobrt
