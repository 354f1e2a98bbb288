#include "jobrt/actors/cron_expression.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

// Vixie cron (Debian's cron is its descendant, cronie reads the same way)
// is the reference for every rule pinned here.

namespace {

using namespace std::chrono;
using jobrt::cron_error;
using jobrt::cron_expression;
using jobrt::cron_field;
using jobrt::local_minutes;
using problem = cron_error::problem_type;

local_minutes at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  return local_days(year{y} / mo / d) + hours(h) + minutes(mi);
}

cron_expression parsed(const std::string& text) {
  auto e = cron_expression::parse(text);
  INFO(text << ": " << (e ? std::string("ok") : e.error().message()));
  REQUIRE(e);
  return e.value();
}

std::string refusal(const std::string& text) {
  auto e = cron_expression::parse(text);
  if (e)
    return "accepted";
  return e.error().message();
}

std::string text_of(local_minutes t) {
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<minutes> clock{t - day};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02ld:%02ld",
                int(date.year()), unsigned(date.month()), unsigned(date.day()),
                static_cast<long>(clock.hours().count()),
                static_cast<long>(clock.minutes().count()));
  return buffer;
}

/// The first `count` matches from `from`, as text.
std::vector<std::string> matches_from(const cron_expression& e,
                                      local_minutes from, int count) {
  std::vector<std::string> out;
  auto t = e.next_match(from);
  while (t && static_cast<int>(out.size()) < count) {
    out.push_back(text_of(*t));
    t = e.next_match(*t + minutes(1));
  }
  return out;
}

/// Every matching minute of one day, as "HH:MM".
std::vector<std::string> times_on(const cron_expression& e, local_days day) {
  std::vector<std::string> out;
  for (auto t = e.next_match(day); t && *t < day + days(1);
       t = e.next_match(*t + minutes(1)))
    out.push_back(text_of(*t).substr(11));
  return out;
}

/// Whether the expression fires on a given day (at any time).
bool fires_on(const cron_expression& e, int y, unsigned mo, unsigned d) {
  const auto day = local_days(year{y} / mo / d);
  const auto t = e.next_match(day);
  return t && *t < day + days(1);
}

} // namespace

TEST_CASE("cron fields accept their bounds and refuse one beyond, naming "
          "field and value") {
  struct bound {
    const char* expression;
    const char* message;
  };
  const std::vector<bound> cases{
      {"0 0 1 1 0", "accepted"},
      {"59 23 31 12 7", "accepted"},
      {"61 * * * *", "minute: 61 out of range 0-59"},
      {"60 * * * *", "minute: 60 out of range 0-59"},
      {"* 24 * * *", "hour: 24 out of range 0-23"},
      {"* * 0 * *", "day-of-month: 0 out of range 1-31"},
      {"* * 32 * *", "day-of-month: 32 out of range 1-31"},
      {"* * * 0 *", "month: 0 out of range 1-12"},
      {"* * * 13 *", "month: 13 out of range 1-12"},
      {"* * * * 8", "day-of-week: 8 out of range 0-7"},
      {"99999999999 * * * *", "minute: 99999999999 out of range 0-59"},
  };
  for (const auto& c : cases) {
    INFO(c.expression);
    CHECK(refusal(c.expression) == c.message);
  }
}

TEST_CASE("cron errors are typed: field, problem and value") {
  const auto e = cron_expression::parse("0 0 1 1 1-9");
  REQUIRE_FALSE(e);
  CHECK(e.error() == cron_error{cron_field::day_of_week, problem::out_of_range,
                                "9", "out of range 0-7"});
  CHECK(jobrt::to_string(cron_field::day_of_month) == "day-of-month");
}

TEST_CASE("cron bounds apply inside ranges, lists and steps") {
  CHECK(refusal("1-61 * * * *") == "minute: 61 out of range 0-59");
  CHECK(refusal("5,61 * * * *") == "minute: 61 out of range 0-59");
  CHECK(refusal("0-61/5 * * * *") == "minute: 61 out of range 0-59");
  CHECK(refusal("* 20-24 * * *") == "hour: 24 out of range 0-23");
  CHECK(refusal("* * 0-5 * *") == "day-of-month: 0 out of range 1-31");
}

TEST_CASE("cron steps must be between 1 and the field's top") {
  CHECK(refusal("*/0 * * * *") == "minute: */0 step out of range 1-59");
  CHECK(refusal("*/60 * * * *") == "minute: */60 step out of range 1-59");
  CHECK(refusal("* */24 * * *") == "hour: */24 step out of range 1-23");
  CHECK(refusal("* * */32 * *") == "day-of-month: */32 step out of range 1-31");
  CHECK(refusal("* * * */13 *") == "month: */13 step out of range 1-12");
  CHECK(refusal("* * * * */8") == "day-of-week: */8 step out of range 1-7");
  CHECK(refusal("*/59 */23 */31 */12 */7") == "accepted");
  CHECK(refusal("*/x * * * *") == "minute: */x has a step that is not a number");
  CHECK(refusal("*/ * * * *") == "minute: */ has a step that is not a number");
  CHECK(refusal("*/MON * * * *") ==
        "minute: */MON has a step that is not a number");
}

TEST_CASE("cron refuses a step without a range, as Vixie does") {
  CHECK(refusal("5/15 * * * *") ==
        "minute: 5/15 has a step without a range (write 5-59/15)");
  CHECK(refusal("* 3/2 * * *") ==
        "hour: 3/2 has a step without a range (write 3-23/2)");
}

TEST_CASE("cron refuses ranges that run backwards") {
  CHECK(refusal("* 22-2 * * *") == "hour: 22-2 runs backwards (22 > 2)");
  CHECK(refusal("* * * DEC-JAN *") == "month: DEC-JAN runs backwards (12 > 1)");
  // SUN is 0: a week "from Friday to Sunday" is FRI-SAT,SUN or 5-7.
  CHECK(refusal("* * * * FRI-SUN") ==
        "day-of-week: FRI-SUN runs backwards (5 > 0)");
  CHECK(refusal("* * * * 5-7") == "accepted");
}

TEST_CASE("cron refuses values that are neither numbers nor the field's "
          "names") {
  CHECK(refusal("x * * * *") == "minute: x is not a number (0-59)");
  CHECK(refusal("1.5 * * * *") == "minute: 1.5 is not a number (0-59)");
  CHECK(refusal("? * * * *") == "minute: ? is not a number (0-59)");
  CHECK(refusal("-5 * * * *") == "minute: -5 is not a range (a-b)");
  CHECK(refusal("5- * * * *") == "minute: 5- is not a range (a-b)");
  CHECK(refusal("1-2-3 * * * *") == "minute: 2-3 is not a number (0-59)");
  CHECK(refusal("* MON * * *") == "hour: MON is not a number (0-23)");
  CHECK(refusal("* * JAN * *") == "day-of-month: JAN is not a number (1-31)");
  CHECK(refusal("* * * MON *") == "month: MON is not a month (1-12 or JAN-DEC)");
  CHECK(refusal("* * * JANUARY *") ==
        "month: JANUARY is not a month (1-12 or JAN-DEC)");
  CHECK(refusal("* * * * JAN") ==
        "day-of-week: JAN is not a weekday (0-7 or SUN-SAT)");
  CHECK(refusal("* * * * MONDAY") ==
        "day-of-week: MONDAY is not a weekday (0-7 or SUN-SAT)");
  CHECK(refusal("* * * * MON-FRIDAY") ==
        "day-of-week: FRIDAY is not a weekday (0-7 or SUN-SAT)");
}

TEST_CASE("cron refuses empty list elements") {
  CHECK(refusal("1,,2 * * * *") == "minute: 1,,2 has an empty list element");
  CHECK(refusal("1, * * * *") == "minute: 1, has an empty list element");
  CHECK(refusal(",1 * * * *") == "minute: ,1 has an empty list element");
  CHECK(refusal("* * * * ,") == "day-of-week: , has an empty list element");
}

TEST_CASE("cron wants exactly five fields") {
  CHECK(refusal("* * * *") == "expression: * * * * has 4 fields, expected 5 "
                              "(minute hour day-of-month month day-of-week)");
  CHECK(refusal("0 * * * * *") ==
        "expression: 0 * * * * * has 6 fields, expected 5 "
        "(minute hour day-of-month month day-of-week)");
  CHECK(refusal("") == "expression: is empty: expected five fields (minute "
                       "hour day-of-month month day-of-week) or a macro");
  CHECK(refusal(" \t ") == refusal(""));
}

TEST_CASE("cron fields may be separated by any blanks, and the text is kept "
          "trimmed") {
  const auto e = parsed("  30\t2  * *\t*  ");
  CHECK(e.text() == "30\t2  * *\t*");
  CHECK(times_on(e, local_days(year{2026} / 3 / 2)) ==
        std::vector<std::string>{"02:30"});
}

TEST_CASE("cron numbers may have leading zeros") {
  CHECK(times_on(parsed("05 07 * * *"), local_days(year{2026} / 3 / 2)) ==
        std::vector<std::string>{"07:05"});
}

TEST_CASE("cron macros stand for their five fields") {
  struct macro {
    const char* name;
    const char* fields;
  };
  const std::vector<macro> macros{
      {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
      {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  };
  for (const auto& m : macros) {
    INFO(m.name);
    const auto from = at(2026, 2, 27, 13, 7);
    CHECK(matches_from(parsed(m.name), from, 30) ==
          matches_from(parsed(m.fields), from, 30));
    CHECK(parsed(m.name).text() == m.name);
  }
  CHECK(matches_from(parsed("@weekly"), at(2026, 3, 1), 2) ==
        std::vector<std::string>{"2026-03-01 00:00", "2026-03-08 00:00"});
  CHECK(matches_from(parsed("@yearly"), at(2026, 1, 1, 0, 1), 2) ==
        std::vector<std::string>{"2027-01-01 00:00", "2028-01-01 00:00"});
}

TEST_CASE("cron macros are case-insensitive, unknown ones are refused") {
  CHECK(matches_from(parsed("@DAILY"), at(2026, 1, 1), 3) ==
        matches_from(parsed("@daily"), at(2026, 1, 1), 3));
  const std::string known = "is not a macro (@yearly, @annually, @monthly, "
                            "@weekly, @daily, @midnight, @hourly)";
  CHECK(refusal("@reboot") == "expression: @reboot " + known);
  CHECK(refusal("@daily 5") == "expression: @daily 5 " + known);
  CHECK(refusal("@") == "expression: @ " + known);
  const auto e = cron_expression::parse("@reboot");
  REQUIRE_FALSE(e);
  CHECK(e.error().problem == problem::unknown_macro);
  CHECK(e.error().field == cron_field::expression);
}

TEST_CASE("cron month names JAN-DEC stand for 1-12 in any case") {
  const char* names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                         "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  for (unsigned m = 1; m <= 12; ++m) {
    INFO(names[m - 1]);
    const auto by_name = parsed(std::string("0 0 1 ") + names[m - 1] + " *");
    const auto by_number = parsed("0 0 1 " + std::to_string(m) + " *");
    CHECK(matches_from(by_name, at(2026, 1, 1), 3) ==
          matches_from(by_number, at(2026, 1, 1), 3));
  }
  CHECK(matches_from(parsed("0 0 1 jan-Mar *"), at(2026, 1, 1), 4) ==
        std::vector<std::string>{"2026-01-01 00:00", "2026-02-01 00:00",
                                 "2026-03-01 00:00", "2027-01-01 00:00"});
}

TEST_CASE("cron weekday names SUN-SAT stand for 0-6, and 7 is Sunday too") {
  // 2026-03-01 is a Sunday.
  const char* names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  for (unsigned d = 0; d < 7; ++d) {
    INFO(names[d]);
    const auto e = parsed(std::string("0 0 * * ") + names[d]);
    CHECK(matches_from(e, at(2026, 3, 1), 1) ==
          std::vector<std::string>{text_of(at(2026, 3, 1 + d))});
  }
  const auto sunday = matches_from(parsed("0 0 * * 0"), at(2026, 3, 2), 3);
  CHECK(matches_from(parsed("0 0 * * 7"), at(2026, 3, 2), 3) == sunday);
  CHECK(matches_from(parsed("0 0 * * sun"), at(2026, 3, 2), 3) == sunday);
  CHECK(matches_from(parsed("0 0 * * 5-7"), at(2026, 3, 1), 4) ==
        std::vector<std::string>{"2026-03-01 00:00", "2026-03-06 00:00",
                                 "2026-03-07 00:00", "2026-03-08 00:00"});
  CHECK(matches_from(parsed("0 0 * * Mon-fri"), at(2026, 3, 6), 3) ==
        std::vector<std::string>{"2026-03-06 00:00", "2026-03-09 00:00",
                                 "2026-03-10 00:00"});
}

TEST_CASE("cron steps from star and from ranges") {
  const auto day = local_days(year{2026} / 3 / 2);
  CHECK(times_on(parsed("*/15 3 * * *"), day) ==
        std::vector<std::string>{"03:00", "03:15", "03:30", "03:45"});
  CHECK(times_on(parsed("10-50/20 3 * * *"), day) ==
        std::vector<std::string>{"03:10", "03:30", "03:50"});
  CHECK(times_on(parsed("0 */5 * * *"), day) ==
        std::vector<std::string>{"00:00", "05:00", "10:00", "15:00", "20:00"});
  CHECK(times_on(parsed("0 1-10/4 * * *"), day) ==
        std::vector<std::string>{"01:00", "05:00", "09:00"});
  CHECK(matches_from(parsed("0 0 */10 * *"), at(2026, 1, 1), 5) ==
        std::vector<std::string>{"2026-01-01 00:00", "2026-01-11 00:00",
                                 "2026-01-21 00:00", "2026-01-31 00:00",
                                 "2026-02-01 00:00"});
  CHECK(matches_from(parsed("0 0 1 */4 *"), at(2026, 1, 1), 4) ==
        std::vector<std::string>{"2026-01-01 00:00", "2026-05-01 00:00",
                                 "2026-09-01 00:00", "2027-01-01 00:00"});
  // */7 on weekdays is 0 and 7: Sundays only.
  CHECK(matches_from(parsed("0 0 * * */7"), at(2026, 3, 2), 2) ==
        std::vector<std::string>{"2026-03-08 00:00", "2026-03-15 00:00"});
  CHECK(matches_from(parsed("0 0 * * 1-5/2"), at(2026, 3, 1), 4) ==
        std::vector<std::string>{"2026-03-02 00:00", "2026-03-04 00:00",
                                 "2026-03-06 00:00", "2026-03-09 00:00"});
}

TEST_CASE("cron lists mix numbers, ranges and steps") {
  CHECK(times_on(parsed("0,5,50-52,*/20 3 * * *"),
                 local_days(year{2026} / 3 / 2)) ==
        std::vector<std::string>{"03:00", "03:05", "03:20", "03:40", "03:50",
                                 "03:51", "03:52"});
  CHECK(times_on(parsed("0 22,3,3,1 * * *"), local_days(year{2026} / 3 / 2)) ==
        std::vector<std::string>{"01:00", "03:00", "22:00"});
}

TEST_CASE("cron matches either day field when both are restricted") {
  // 2026-02-13 and 2026-03-13 are Fridays; 2026-11-13 is a Friday too.
  const auto either = parsed("0 0 13 * FRI");
  CHECK(fires_on(either, 2026, 4, 13));  // a Monday, the 13th
  CHECK(fires_on(either, 2026, 4, 3));   // a Friday, the 3rd
  CHECK_FALSE(fires_on(either, 2026, 4, 14));
  CHECK(matches_from(either, at(2026, 4, 1), 6) ==
        std::vector<std::string>{"2026-04-03 00:00", "2026-04-10 00:00",
                                 "2026-04-13 00:00", "2026-04-17 00:00",
                                 "2026-04-24 00:00", "2026-05-01 00:00"});
  // "The first Monday of the month" cannot be written so in cron: this is
  // every one of the first seven days, and every Monday.
  const auto first_week = parsed("0 0 1-7 * MON");
  CHECK(fires_on(first_week, 2026, 3, 3)); // a Tuesday
  CHECK(fires_on(first_week, 2026, 3, 16)); // a Monday
  CHECK_FALSE(fires_on(first_week, 2026, 3, 17));
}

TEST_CASE("cron matches both day fields when one is unrestricted") {
  const auto fridays = parsed("0 0 * * FRI");
  CHECK(fires_on(fridays, 2026, 4, 3));
  CHECK_FALSE(fires_on(fridays, 2026, 4, 13));
  const auto thirteenths = parsed("0 0 13 * *");
  CHECK(fires_on(thirteenths, 2026, 4, 13));
  CHECK_FALSE(fires_on(thirteenths, 2026, 4, 3));
}

TEST_CASE("cron counts a day field written with a leading star as "
          "unrestricted, as Vixie does") {
  // */2 is the odd days; with a weekday beside it both must match: the
  // odd-numbered Mondays, not "odd days or Mondays".
  const auto e = parsed("0 0 */2 * MON");
  CHECK(fires_on(e, 2026, 3, 9));        // Monday the 9th
  CHECK_FALSE(fires_on(e, 2026, 3, 16)); // Monday the 16th
  CHECK_FALSE(fires_on(e, 2026, 3, 11)); // Wednesday the 11th
  const auto weekday_star = parsed("0 0 13 * */1");
  CHECK(fires_on(weekday_star, 2026, 4, 13));
  CHECK_FALSE(fires_on(weekday_star, 2026, 4, 3));
}

TEST_CASE("cron refuses days that no chosen month has") {
  CHECK(refusal("0 0 30 2 *") == "day-of-month: 30 never occurs in month 2");
  CHECK(refusal("0 0 30,31 FEB *") ==
        "day-of-month: 30,31 never occurs in month FEB");
  CHECK(refusal("0 0 31 4,6,9,11 *") ==
        "day-of-month: 31 never occurs in month 4,6,9,11");
  CHECK(cron_expression::parse("0 0 30 2 *").error().problem ==
        problem::never_fires);
  CHECK(refusal("0 0 31 4,5 *") == "accepted");
  CHECK(refusal("0 0 29 2 *") == "accepted");
  // With a weekday restricted too, either matches: Mondays in February.
  const auto feb_mondays = parsed("0 0 30 2 MON");
  CHECK(matches_from(feb_mondays, at(2026, 1, 1), 2) ==
        std::vector<std::string>{"2026-02-02 00:00", "2026-02-09 00:00"});
}

TEST_CASE("cron fires on the 31st only in months that have one") {
  CHECK(matches_from(parsed("0 0 31 * *"), at(2026, 1, 1), 8) ==
        std::vector<std::string>{"2026-01-31 00:00", "2026-03-31 00:00",
                                 "2026-05-31 00:00", "2026-07-31 00:00",
                                 "2026-08-31 00:00", "2026-10-31 00:00",
                                 "2026-12-31 00:00", "2027-01-31 00:00"});
  CHECK(matches_from(parsed("0 0 30 * *"), at(2026, 1, 31), 2) ==
        std::vector<std::string>{"2026-03-30 00:00", "2026-04-30 00:00"});
}

TEST_CASE("cron fires on February 29th only in leap years") {
  CHECK(matches_from(parsed("0 0 29 2 *"), at(2026, 1, 1), 3) ==
        std::vector<std::string>{"2028-02-29 00:00", "2032-02-29 00:00",
                                 "2036-02-29 00:00"});
  // 2100 is no leap year, 2000 was.
  CHECK(matches_from(parsed("0 0 29 2 *"), at(2096, 3, 1), 1) ==
        std::vector<std::string>{"2104-02-29 00:00"});
  CHECK(matches_from(parsed("0 0 29 2 *"), at(1999, 1, 1), 1) ==
        std::vector<std::string>{"2000-02-29 00:00"});
  // Quartz's "last day of the month" is not cron's.
  CHECK(refusal("0 0 L * *") == "day-of-month: L is not a number (1-31)");
}

TEST_CASE("cron next_match is inclusive and crosses days, months and years") {
  const auto e = parsed("30 2 * * *");
  CHECK(text_of(*e.next_match(at(2026, 3, 2, 2, 30))) == "2026-03-02 02:30");
  CHECK(text_of(*e.next_match(at(2026, 3, 2, 2, 31))) == "2026-03-03 02:30");
  CHECK(text_of(*e.next_match(at(2026, 12, 31, 23, 59))) == "2027-01-01 02:30");
  CHECK(text_of(*e.next_match(at(2026, 2, 28, 3))) == "2026-03-01 02:30");
  CHECK(text_of(*parsed("* * * * *").next_match(at(2026, 3, 2, 23, 59))) ==
        "2026-03-02 23:59");
  CHECK(text_of(*parsed("59 23 31 12 *").next_match(at(2026, 1, 1))) ==
        "2026-12-31 23:59");
}

TEST_CASE("cron next_match stops after the year 9999") {
  const auto e = parsed("0 0 1 1 *");
  CHECK(text_of(*e.next_match(at(9999, 1, 1))) == "9999-01-01 00:00");
  CHECK_FALSE(e.next_match(at(9999, 1, 1, 0, 1)));
  CHECK_FALSE(e.next_match(at(10000, 1, 1)));
  CHECK(text_of(*e.next_match(at(-5, 6, 1))) == "0001-01-01 00:00");
}

TEST_CASE("cron matches agrees with next_match minute by minute") {
  const std::vector<std::string> expressions{
      "*/7 1-3 * * *", "0 0 13 * FRI", "15 */6 1,15 * MON-WED",
      "0 12 */3 2-3 *", "@hourly"};
  for (const auto& text : expressions) {
    INFO(text);
    const auto e = parsed(text);
    auto expected = e.next_match(at(2026, 2, 1));
    for (auto t = at(2026, 2, 1); t < at(2026, 3, 8); t += minutes(1)) {
      REQUIRE(expected);
      if (*expected == t) {
        REQUIRE(e.matches(t));
        expected = e.next_match(t + minutes(1));
      } else {
        REQUIRE_FALSE(e.matches(t));
      }
    }
  }
}

TEST_CASE("cron tells fixed-time expressions from wildcard ones, as Vixie's "
          "DST rules do") {
  CHECK(parsed("30 2 * * *").fixed_time());
  CHECK(parsed("0,30 1-3 * * *").fixed_time());
  CHECK(parsed("0-59 2 * * *").fixed_time());
  CHECK(parsed("@daily").fixed_time());
  CHECK_FALSE(parsed("*/15 * * * *").fixed_time());
  CHECK_FALSE(parsed("30 * * * *").fixed_time());
  CHECK_FALSE(parsed("* 2 * * *").fixed_time());
  CHECK_FALSE(parsed("@hourly").fixed_time());
}
