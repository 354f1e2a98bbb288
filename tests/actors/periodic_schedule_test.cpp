#include "jobrt/actors/periodic_schedule.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

// Ticks are checked as UTC text. The zones' 2026 changes, from the tz
// database: Europe/Berlin springs forward on 03-29 at 01:00 UTC (02:00 CET
// becomes 03:00 CEST) and falls back on 10-25 at 01:00 UTC (03:00 CEST
// becomes 02:00 CET); America/New_York springs forward on 03-08 at 07:00
// UTC (02:00 EST becomes 03:00 EDT) and falls back on 11-01 at 06:00 UTC
// (02:00 EDT becomes 01:00 EST). The DST rules pinned are Vixie cron's
// (periodic_schedule.hpp).

namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hh_mm_ss;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;
using jobrt::decide_tick;
using jobrt::duration;
using jobrt::missed_tick_policy;
using jobrt::periodic_schedule;
using jobrt::schedule_error;
using jobrt::tick_decision;
using jobrt::tick_key;
using jobrt::time_point;
using jobrt::time_zone;

time_point utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0,
               int s = 0) {
  return time_point(sys_days(year{y} / mo / d).time_since_epoch() + hours(h) +
                    minutes(mi) + seconds(s));
}

std::string text(time_point t) {
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<duration> clock{t - day};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02ld:%02ld:%02ld",
                int(date.year()), unsigned(date.month()), unsigned(date.day()),
                static_cast<long>(clock.hours().count()),
                static_cast<long>(clock.minutes().count()),
                static_cast<long>(clock.seconds().count()));
  std::string out = buffer;
  if (clock.subseconds().count() != 0) {
    std::snprintf(buffer, sizeof buffer, ".%03ld",
                  static_cast<long>(clock.subseconds().count()));
    out += buffer;
  }
  return out;
}

std::string text(std::optional<time_point> t) { return t ? text(*t) : "none"; }

periodic_schedule cron(const std::string& expression,
                       const std::string& zone = "UTC") {
  auto s = periodic_schedule::cron(expression, zone);
  INFO(expression << " in " << zone << ": "
                  << (s ? std::string("ok") : s.error().message()));
  REQUIRE(s);
  return s.value();
}

periodic_schedule every(duration interval, time_point anchor = time_point{}) {
  auto s = periodic_schedule::every(interval, anchor);
  REQUIRE(s);
  return s.value();
}

/// The ticks in (from, to].
std::vector<time_point> ticks(const periodic_schedule& s, time_point from,
                              time_point to) {
  std::vector<time_point> out;
  for (auto t = s.next_after(from); t && *t <= to; t = s.next_after(*t))
    out.push_back(*t);
  return out;
}

std::vector<std::string> tick_texts(const periodic_schedule& s,
                                    time_point from, time_point to) {
  std::vector<std::string> out;
  for (auto t : ticks(s, from, to))
    out.push_back(text(t));
  return out;
}

using texts = std::vector<std::string>;

} // namespace

TEST_CASE("periodic schedule on UTC ticks through a simulated month") {
  const auto quarter_hours =
      ticks(cron("*/15 * * * *"), utc(2026, 3, 1) - milliseconds(1),
            utc(2026, 4, 1) - milliseconds(1));
  REQUIRE(quarter_hours.size() == 31u * 24 * 4);
  CHECK(text(quarter_hours.front()) == "2026-03-01 00:00:00");
  CHECK(text(quarter_hours.back()) == "2026-03-31 23:45:00");
  for (std::size_t i = 1; i < quarter_hours.size(); ++i)
    REQUIRE(quarter_hours[i] - quarter_hours[i - 1] == minutes(15));

  const auto weekdays =
      ticks(cron("0 9 * * MON-FRI"), utc(2026, 3, 1), utc(2026, 4, 1));
  CHECK(weekdays.size() == 22);
  CHECK(text(weekdays.front()) == "2026-03-02 09:00:00");
  CHECK(text(weekdays.back()) == "2026-03-31 09:00:00");
}

TEST_CASE("periodic schedule next_after is strictly after") {
  const auto s = cron("30 2 * * *");
  CHECK(text(s.next_after(utc(2026, 3, 2, 2, 30))) == "2026-03-03 02:30:00");
  CHECK(text(s.next_after(utc(2026, 3, 2, 2, 30) - milliseconds(1))) ==
        "2026-03-02 02:30:00");
  CHECK(text(s.next_after(utc(2026, 3, 2, 2, 29, 59) + milliseconds(999))) ==
        "2026-03-02 02:30:00");
}

TEST_CASE("periodic schedule runs a fixed time the spring-forward gap skips "
          "once right after the gap, on Europe/Berlin") {
  // A 02:30 job: 02:30 CET is 01:30 UTC, 02:30 CEST is 00:30 UTC, and on
  // 03-29 there is no 02:30: it runs at 03:00 CEST, 01:00 UTC.
  const auto s = cron("30 2 * * *", "Europe/Berlin");
  const auto month = tick_texts(s, utc(2026, 2, 28, 23), utc(2026, 3, 31, 22));
  REQUIRE(month.size() == 31);
  for (unsigned d = 1; d <= 28; ++d) {
    INFO("March " << d);
    CHECK(month[d - 1] == text(utc(2026, 3, d, 1, 30)));
  }
  CHECK(month[28] == "2026-03-29 01:00:00");
  CHECK(month[29] == "2026-03-30 00:30:00");
  CHECK(month[30] == "2026-03-31 00:30:00");
}

TEST_CASE("periodic schedule runs several fixed times in the gap as one tick "
          "after it") {
  CHECK(tick_texts(cron("0,30 2 * * *", "Europe/Berlin"), utc(2026, 3, 28),
                   utc(2026, 3, 30, 12)) ==
        texts{"2026-03-28 01:00:00", "2026-03-28 01:30:00",
              "2026-03-29 01:00:00", "2026-03-30 00:00:00",
              "2026-03-30 00:30:00"});
  // 02:00 (skipped) and 03:00 (the first time after the gap) are the same
  // instant: one tick.
  CHECK(tick_texts(cron("0 2,3 * * *", "Europe/Berlin"), utc(2026, 3, 29),
                   utc(2026, 3, 29, 23)) == texts{"2026-03-29 01:00:00"});
  CHECK(tick_texts(cron("0 3 * * *", "Europe/Berlin"), utc(2026, 3, 29),
                   utc(2026, 3, 29, 23)) == texts{"2026-03-29 01:00:00"});
  CHECK(tick_texts(cron("59 1 * * *", "Europe/Berlin"), utc(2026, 3, 29),
                   utc(2026, 3, 29, 23)) == texts{"2026-03-29 00:59:00"});
}

TEST_CASE("periodic schedule runs a fixed time the fall-back repeats once, "
          "at its first occurrence, on Europe/Berlin") {
  CHECK(tick_texts(cron("30 2 * * *", "Europe/Berlin"), utc(2026, 10, 24),
                   utc(2026, 10, 27)) ==
        texts{"2026-10-24 00:30:00", "2026-10-25 00:30:00",
              "2026-10-26 01:30:00"});
  CHECK(tick_texts(cron("0 2 * * *", "Europe/Berlin"), utc(2026, 10, 24, 12),
                   utc(2026, 10, 25, 12)) == texts{"2026-10-25 00:00:00"});
  CHECK(tick_texts(cron("59 2 * * *", "Europe/Berlin"), utc(2026, 10, 24, 12),
                   utc(2026, 10, 25, 12)) == texts{"2026-10-25 00:59:00"});
  CHECK(tick_texts(cron("0 3 * * *", "Europe/Berlin"), utc(2026, 10, 24, 12),
                   utc(2026, 10, 25, 12)) == texts{"2026-10-25 02:00:00"});
  // Asked from inside the repeated hour (02:10 CET), the 02:30 of that day
  // has run already (in CEST): the next tick is the next day's.
  CHECK(text(cron("30 2 * * *", "Europe/Berlin")
                 .next_after(utc(2026, 10, 25, 1, 10))) ==
        "2026-10-26 01:30:00");
  // From inside the first pass (02:10 CEST) it is still to come.
  CHECK(text(cron("30 2 * * *", "Europe/Berlin")
                 .next_after(utc(2026, 10, 25, 0, 10))) ==
        "2026-10-25 00:30:00");
}

TEST_CASE("periodic schedule with a wildcard follows real elapsed time "
          "across Berlin's spring-forward") {
  // The local day of 03-29 has 23 hours: 92 quarter hours, each 15 real
  // minutes after the last, 01:45 CET then 03:00 CEST.
  const auto day = ticks(cron("*/15 * * * *", "Europe/Berlin"),
                         utc(2026, 3, 28, 23) - milliseconds(1),
                         utc(2026, 3, 29, 22) - milliseconds(1));
  REQUIRE(day.size() == 92);
  for (std::size_t i = 1; i < day.size(); ++i)
    REQUIRE(day[i] - day[i - 1] == minutes(15));
  CHECK(tick_texts(cron("*/15 * * * *", "Europe/Berlin"), utc(2026, 3, 29, 0, 30),
                   utc(2026, 3, 29, 1, 15)) ==
        texts{"2026-03-29 00:45:00", "2026-03-29 01:00:00",
              "2026-03-29 01:15:00"});
  // 30 * * * *: there is no 02:30 that day, so 01:30 CET then 03:30 CEST.
  CHECK(tick_texts(cron("30 * * * *", "Europe/Berlin"), utc(2026, 3, 29),
                   utc(2026, 3, 29, 2)) ==
        texts{"2026-03-29 00:30:00", "2026-03-29 01:30:00"});
  // Vixie runs wildcard jobs of the skipped hour not at all.
  CHECK(tick_texts(cron("* 2 * * *", "Europe/Berlin"), utc(2026, 3, 28, 12),
                   utc(2026, 3, 29, 23))
            .empty());
  CHECK(text(cron("* 2 * * *", "Europe/Berlin").next_after(utc(2026, 3, 28, 12))) ==
        "2026-03-30 00:00:00");
}

TEST_CASE("periodic schedule with a wildcard follows real elapsed time "
          "across Berlin's fall-back") {
  // The local day of 10-25 has 25 hours: 100 quarter hours, 15 minutes
  // apart, the repeated hour twice.
  const auto day = ticks(cron("*/15 * * * *", "Europe/Berlin"),
                         utc(2026, 10, 24, 22) - milliseconds(1),
                         utc(2026, 10, 25, 23) - milliseconds(1));
  REQUIRE(day.size() == 100);
  for (std::size_t i = 1; i < day.size(); ++i)
    REQUIRE(day[i] - day[i - 1] == minutes(15));
  // 01:30 CEST, 02:30 CEST, 02:30 CET.
  CHECK(tick_texts(cron("30 * * * *", "Europe/Berlin"), utc(2026, 10, 24, 23),
                   utc(2026, 10, 25, 2)) ==
        texts{"2026-10-24 23:30:00", "2026-10-25 00:30:00",
              "2026-10-25 01:30:00"});
  CHECK(ticks(cron("* 2 * * *", "Europe/Berlin"), utc(2026, 10, 24, 12),
              utc(2026, 10, 25, 12))
            .size() == 120);
}

TEST_CASE("periodic schedule on America/New_York through March, across "
          "spring-forward") {
  // 02:30 EST is 07:30 UTC, 02:30 EDT is 06:30 UTC; on 03-08 there is no
  // 02:30: 03:00 EDT, 07:00 UTC.
  const auto night = tick_texts(cron("30 2 * * *", "America/New_York"),
                                utc(2026, 3, 1, 5), utc(2026, 4, 1, 4));
  REQUIRE(night.size() == 31);
  for (unsigned d = 1; d <= 31; ++d) {
    INFO("March " << d);
    const auto expected = d < 8    ? utc(2026, 3, d, 7, 30)
                          : d == 8 ? utc(2026, 3, 8, 7)
                                   : utc(2026, 3, d, 6, 30);
    CHECK(night[d - 1] == text(expected));
  }
  const auto noon = ticks(cron("0 12 * * *", "America/New_York"),
                          utc(2026, 3, 1, 5), utc(2026, 4, 1, 4));
  REQUIRE(noon.size() == 31);
  CHECK(text(noon[6]) == "2026-03-07 17:00:00");
  CHECK(text(noon[7]) == "2026-03-08 16:00:00");
  CHECK(tick_texts(cron("*/30 * * * *", "America/New_York"), utc(2026, 3, 8, 6),
                   utc(2026, 3, 8, 8)) ==
        texts{"2026-03-08 06:30:00", "2026-03-08 07:00:00",
              "2026-03-08 07:30:00", "2026-03-08 08:00:00"});
}

TEST_CASE("periodic schedule on America/New_York across fall-back") {
  // 01:30 EDT is 05:30 UTC, 01:30 EST is 06:30 UTC; on 11-01 01:30 comes
  // twice and runs at the first.
  CHECK(tick_texts(cron("30 1 * * *", "America/New_York"), utc(2026, 10, 31),
                   utc(2026, 11, 3)) ==
        texts{"2026-10-31 05:30:00", "2026-11-01 05:30:00",
              "2026-11-02 06:30:00"});
  CHECK(tick_texts(cron("*/30 * * * *", "America/New_York"),
                   utc(2026, 11, 1, 4, 45), utc(2026, 11, 1, 7)) ==
        texts{"2026-11-01 05:00:00", "2026-11-01 05:30:00",
              "2026-11-01 06:00:00", "2026-11-01 06:30:00",
              "2026-11-01 07:00:00"});
  const auto november = ticks(cron("0 12 * * *", "America/New_York"),
                              utc(2026, 11, 1, 4), utc(2026, 12, 1, 5));
  REQUIRE(november.size() == 30);
  CHECK(text(november.front()) == "2026-11-01 17:00:00");
}

TEST_CASE("periodic schedule fires on the 31st only in months that have "
          "one, in UTC and in a zone") {
  CHECK(tick_texts(cron("0 0 31 * *"), utc(2026, 1, 1), utc(2027, 1, 1)) ==
        texts{"2026-01-31 00:00:00", "2026-03-31 00:00:00",
              "2026-05-31 00:00:00", "2026-07-31 00:00:00",
              "2026-08-31 00:00:00", "2026-10-31 00:00:00",
              "2026-12-31 00:00:00"});
  // Midnight in Berlin is the evening before in UTC: 23:00 in winter,
  // 22:00 in summer.
  CHECK(tick_texts(cron("0 0 31 * *", "Europe/Berlin"), utc(2026, 1, 1),
                   utc(2027, 1, 1)) ==
        texts{"2026-01-30 23:00:00", "2026-03-30 22:00:00",
              "2026-05-30 22:00:00", "2026-07-30 22:00:00",
              "2026-08-30 22:00:00", "2026-10-30 23:00:00",
              "2026-12-30 23:00:00"});
  CHECK(text(cron("@monthly", "Europe/Berlin").next_after(utc(2026, 3, 15))) ==
        "2026-03-31 22:00:00");
}

TEST_CASE("periodic schedule fires on February 29th only in leap years") {
  CHECK(tick_texts(cron("0 0 29 2 *"), utc(2026, 1, 1), utc(2033, 1, 1)) ==
        texts{"2028-02-29 00:00:00", "2032-02-29 00:00:00"});
  CHECK(text(cron("0 0 29 2 *", "Europe/Berlin").next_after(utc(2026, 1, 1))) ==
        "2028-02-28 23:00:00");
  CHECK(text(cron("0 0 29 2 *").next_after(utc(2096, 3, 1))) ==
        "2104-02-29 00:00:00");
}

TEST_CASE("periodic schedule ends after the year 9999") {
  CHECK(text(cron("0 0 1 1 *").next_after(utc(9998, 6, 1))) ==
        "9999-01-01 00:00:00");
  CHECK_FALSE(cron("0 0 1 1 *").next_after(utc(9999, 6, 1)));
  CHECK_FALSE(cron("* * * * *").next_after(time_point::max()));
  CHECK_FALSE(cron("* * * * *", "Europe/Berlin").next_after(time_point::max()));
}

TEST_CASE("periodic schedule refuses unknown time zones and bad cron, "
          "naming the field and the value") {
  const auto unknown = periodic_schedule::cron("0 2 * * *", "Europe/Berln");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message() ==
        "time_zone: Europe/Berln is not in the time zone database");
  CHECK(unknown.error().cause == schedule_error::cause_type::time_zone);
  CHECK(time_zone::locate("europe/berlin").error().message() ==
        "time_zone: europe/berlin is not in the time zone database");
  CHECK(time_zone::locate("").error().message() == "time_zone: is empty");
  CHECK(time_zone::locate("../../etc/passwd").error().message() ==
        "time_zone: ../../etc/passwd is not in the time zone database");

  const auto bad = periodic_schedule::cron("61 * * * *", "Europe/Berlin");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == schedule_error{schedule_error::cause_type::cron,
                                      "minute", "61", "out of range 0-59"});
  CHECK(bad.error().message() == "minute: 61 out of range 0-59");
  // The expression is read first: its error wins over the zone's.
  CHECK(periodic_schedule::cron("* * * 13 *", "Nowhere").error().message() ==
        "month: 13 out of range 1-12");
}

TEST_CASE("periodic schedule time zones: UTC by default, database names "
          "otherwise") {
  CHECK(time_zone{}.name() == "UTC");
  CHECK(time_zone::locate("UTC").value() == time_zone{});
  const auto berlin = time_zone::locate("Europe/Berlin");
  REQUIRE(berlin);
  CHECK(berlin.value().name() == "Europe/Berlin");
  CHECK_FALSE(berlin.value() == time_zone{});
  // Etc/UTC comes from the database and agrees with UTC.
  CHECK(tick_texts(cron("30 2 * * *", "Etc/UTC"), utc(2026, 3, 1),
                   utc(2026, 3, 4)) ==
        tick_texts(cron("30 2 * * *"), utc(2026, 3, 1), utc(2026, 3, 4)));
  CHECK(periodic_schedule(jobrt::cron_expression::parse("0 2 * * *").value(),
                          berlin.value()) == cron("0 2 * * *", "Europe/Berlin"));
  CHECK_FALSE(cron("0 2 * * *") == cron("0 2 * * *", "Europe/Berlin"));
}

TEST_CASE("periodic schedule at a fixed interval ticks on its anchor's grid") {
  const auto quarter = every(minutes(15));
  CHECK(text(quarter.next_after(utc(2026, 3, 29, 10, 7))) ==
        "2026-03-29 10:15:00");
  CHECK(text(quarter.next_after(utc(2026, 3, 29, 10, 15))) ==
        "2026-03-29 10:30:00");
  CHECK(text(quarter.next_after(utc(2026, 3, 29, 10, 15) - milliseconds(1))) ==
        "2026-03-29 10:15:00");
  CHECK(text(quarter.last_at_or_before(utc(2026, 3, 29, 10, 29))) ==
        "2026-03-29 10:15:00");
  CHECK(text(quarter.last_at_or_before(utc(2026, 3, 29, 10, 30))) ==
        "2026-03-29 10:30:00");
  // Real time: a zone's DST means nothing to an interval.
  const auto spring = ticks(every(hours(1)), utc(2026, 3, 29), utc(2026, 3, 29, 4));
  CHECK(spring.size() == 4);

  const auto anchor = utc(2026, 1, 1, 0, 3, 7) + milliseconds(5);
  const auto odd = every(minutes(10), anchor);
  CHECK(text(odd.next_after(utc(2025, 12, 31))) == "2026-01-01 00:03:07.005");
  CHECK(text(odd.next_after(anchor)) == "2026-01-01 00:13:07.005");
  CHECK(text(odd.next_after(utc(2026, 1, 2))) == "2026-01-02 00:03:07.005");
  CHECK_FALSE(odd.last_at_or_before(anchor - milliseconds(1)));
  CHECK(text(odd.last_at_or_before(anchor)) == "2026-01-01 00:03:07.005");
  CHECK(text(every(milliseconds(1)).next_after(utc(2026, 1, 1))) ==
        "2026-01-01 00:00:00.001");
}

TEST_CASE("periodic schedule intervals must be positive and end with time") {
  CHECK(periodic_schedule::every(duration(0)).error().message() ==
        "interval: 0ms must be positive");
  CHECK(periodic_schedule::every(duration(-5)).error().message() ==
        "interval: -5ms must be positive");
  CHECK(periodic_schedule::every(duration(-5)).error().cause ==
        schedule_error::cause_type::interval);
  CHECK_FALSE(every(hours(1)).next_after(time_point::max() - milliseconds(1)));
  CHECK_FALSE(every(hours(1)).next_after(time_point::max()));
}

TEST_CASE("periodic schedule last tick at or before a time agrees with "
          "next_after, across both DST changes") {
  const std::vector<periodic_schedule> schedules{
      cron("*/15 * * * *", "Europe/Berlin"), cron("30 2 * * *", "Europe/Berlin"),
      cron("0,30 2 * * *", "Europe/Berlin"), cron("30 1 * * *", "America/New_York"),
      cron("30 * * * *", "America/New_York"), cron("0 0 31 * *"),
      cron("0 0 29 2 *", "Europe/Berlin"), every(minutes(7), utc(2026, 1, 1))};
  const std::vector<std::pair<time_point, time_point>> spans{
      {utc(2026, 3, 7), utc(2026, 3, 9)},
      {utc(2026, 3, 28, 12), utc(2026, 3, 30)},
      {utc(2026, 10, 24, 12), utc(2026, 10, 26)},
      {utc(2026, 10, 31, 12), utc(2026, 11, 2)}};
  for (std::size_t i = 0; i < schedules.size(); ++i) {
    INFO("schedule " << i);
    for (const auto& [from, to] : spans)
      for (auto t = from; t < to; t += minutes(7) + seconds(13)) {
        INFO(text(t));
        const auto last = schedules[i].last_at_or_before(t);
        REQUIRE(last);
        REQUIRE(*last <= t);
        REQUIRE(*schedules[i].next_after(*last) > t);
      }
  }
}

TEST_CASE("periodic schedule last tick between two times") {
  const auto hourly = cron("0 * * * *");
  CHECK(text(hourly.last_between(utc(2026, 3, 1, 10), utc(2026, 3, 1, 14, 20))) ==
        "2026-03-01 14:00:00");
  CHECK_FALSE(hourly.last_between(utc(2026, 3, 1, 10), utc(2026, 3, 1, 10, 59)));
  CHECK(text(hourly.last_between(utc(2026, 3, 1, 10), utc(2026, 3, 1, 11))) ==
        "2026-03-01 11:00:00");
  CHECK_FALSE(hourly.last_between(utc(2026, 3, 1, 12), utc(2026, 3, 1, 11)));
  // Years back: the search doubles its window instead of walking ticks.
  CHECK(text(cron("0 0 29 2 *").last_at_or_before(utc(2026, 3, 1))) ==
        "2024-02-29 00:00:00");
  CHECK(text(cron("* * * * *").last_between(utc(2020, 1, 1), utc(2026, 3, 1, 5, 5, 5))) ==
        "2026-03-01 05:05:00");
}

TEST_CASE("periodic schedule decides nothing missed for a schedule that never "
          "ticked") {
  const auto d = decide_tick(cron("0 * * * *"), std::nullopt,
                             utc(2026, 3, 1, 14, 20));
  CHECK(d == tick_decision{std::nullopt, std::nullopt, false,
                           utc(2026, 3, 1, 15)});
}

TEST_CASE("periodic schedule fires the tick it waited for, also a little "
          "late") {
  const auto hourly = cron("0 * * * *");
  CHECK(decide_tick(hourly, utc(2026, 3, 1, 13), utc(2026, 3, 1, 14)) ==
        tick_decision{utc(2026, 3, 1, 14), utc(2026, 3, 1, 14), false,
                      utc(2026, 3, 1, 15)});
  CHECK(decide_tick(hourly, utc(2026, 3, 1, 13), utc(2026, 3, 1, 14, 0, 59)) ==
        tick_decision{utc(2026, 3, 1, 14), utc(2026, 3, 1, 14), false,
                      utc(2026, 3, 1, 15)});
  CHECK(decide_tick(hourly, utc(2026, 3, 1, 13), utc(2026, 3, 1, 14, 0, 59),
                    missed_tick_policy::skip, seconds(30)) ==
        tick_decision{std::nullopt, utc(2026, 3, 1, 14), true,
                      utc(2026, 3, 1, 15)});
  // Before it is due: nothing.
  CHECK(decide_tick(hourly, utc(2026, 3, 1, 13), utc(2026, 3, 1, 13, 59)) ==
        tick_decision{std::nullopt, std::nullopt, false, utc(2026, 3, 1, 14)});
}

TEST_CASE("periodic schedule skips ticks missed in downtime by default") {
  // Down from 10:30 to 14:20: 11:00 to 14:00 passed.
  const auto d = decide_tick(cron("0 * * * *"), utc(2026, 3, 1, 10),
                             utc(2026, 3, 1, 14, 20));
  CHECK(d == tick_decision{std::nullopt, utc(2026, 3, 1, 14), true,
                           utc(2026, 3, 1, 15)});
  // Back within the tolerance of the last one: that one is only late.
  CHECK(decide_tick(cron("0 * * * *"), utc(2026, 3, 1, 10),
                    utc(2026, 3, 1, 14, 0, 30)) ==
        tick_decision{utc(2026, 3, 1, 14), utc(2026, 3, 1, 14), true,
                      utc(2026, 3, 1, 15)});
}

TEST_CASE("periodic schedule runs the last missed tick once under "
          "run_last_missed") {
  const auto hourly = cron("0 * * * *");
  const auto d = decide_tick(hourly, utc(2026, 3, 1, 10), utc(2026, 3, 1, 14, 20),
                             missed_tick_policy::run_last_missed);
  CHECK(d == tick_decision{utc(2026, 3, 1, 14), utc(2026, 3, 1, 14), true,
                           utc(2026, 3, 1, 15)});
  // Once: with 14:00 stored as handled, nothing fires until 15:00.
  CHECK(decide_tick(hourly, d.handled, utc(2026, 3, 1, 14, 21),
                    missed_tick_policy::run_last_missed) ==
        tick_decision{std::nullopt, std::nullopt, false, utc(2026, 3, 1, 15)});
  // One missed tick only: it runs, nothing else was skipped.
  CHECK(decide_tick(hourly, utc(2026, 3, 1, 13), utc(2026, 3, 1, 14, 20),
                    missed_tick_policy::run_last_missed) ==
        tick_decision{utc(2026, 3, 1, 14), utc(2026, 3, 1, 14), false,
                      utc(2026, 3, 1, 15)});
}

TEST_CASE("periodic schedule fires nothing again while the clock is behind "
          "the last handled tick") {
  const auto d = decide_tick(cron("0 * * * *"), utc(2026, 3, 1, 14),
                             utc(2026, 3, 1, 13, 30),
                             missed_tick_policy::run_last_missed);
  CHECK(d == tick_decision{std::nullopt, std::nullopt, false,
                           utc(2026, 3, 1, 15)});
}

TEST_CASE("periodic schedule fires each tick of a simulated day once, with "
          "a restart after downtime") {
  for (const auto policy :
       {missed_tick_policy::skip, missed_tick_policy::run_last_missed}) {
    INFO("run_last_missed " << (policy == missed_tick_policy::run_last_missed));
    const auto s = cron("*/10 * * * *", "Europe/Berlin");
    std::optional<time_point> handled = utc(2026, 3, 29);
    std::vector<time_point> fired;
    // Up until 01:07 UTC (03:07 CEST, just after the change), down until
    // 04:33, up again to 06:00; the runtime wakes at each next tick a few
    // seconds late.
    auto now = utc(2026, 3, 29, 0, 0, 3);
    while (now <= utc(2026, 3, 29, 6, 0, 3)) {
      const auto d = decide_tick(s, handled, now, policy);
      if (d.fire)
        fired.push_back(*d.fire);
      if (d.handled)
        handled = d.handled;
      REQUIRE(d.next);
      now = *d.next + seconds(3);
      if (now > utc(2026, 3, 29, 1, 7) && now < utc(2026, 3, 29, 4, 33))
        now = utc(2026, 3, 29, 4, 33);
    }
    // 00:10 to 01:00 (six), 04:30 only under run_last_missed, then 04:40
    // to 06:00 (nine).
    const bool catch_up = policy == missed_tick_policy::run_last_missed;
    REQUIRE(fired.size() == (catch_up ? 16u : 15u));
    CHECK(text(fired[5]) == "2026-03-29 01:00:00");
    CHECK(text(fired[6]) == (catch_up ? "2026-03-29 04:30:00" : "2026-03-29 04:40:00"));
    CHECK(text(fired.back()) == "2026-03-29 06:00:00");
    for (std::size_t i = 1; i < fired.size(); ++i)
      REQUIRE(fired[i] > fired[i - 1]);
  }
}

TEST_CASE("periodic schedule tick keys name schedule and tick, the same on "
          "every node") {
  CHECK(tick_key("nightly-report", utc(2026, 3, 29, 1)) ==
        "periodic:nightly-report@2026-03-29T01:00:00Z");
  CHECK(tick_key("fast", utc(2026, 3, 29, 1) + milliseconds(250)) ==
        "periodic:fast@2026-03-29T01:00:00.250Z");
  CHECK(tick_key("fast", utc(2026, 3, 29, 1) + milliseconds(5)) ==
        "periodic:fast@2026-03-29T01:00:00.005Z");
  CHECK(tick_key("a", utc(2026, 3, 29, 1)) != tick_key("a", utc(2026, 3, 29, 2)));
  CHECK(tick_key("a", utc(2026, 3, 29, 1)) != tick_key("b", utc(2026, 3, 29, 1)));
  CHECK(tick_key("x", time_point(duration(-100'000'000'000'000))) ==
        "periodic:x@-100000000000000ms");
  // Two nodes computing the same tick from the same schedule agree.
  const auto s = cron("30 2 * * *", "Europe/Berlin");
  CHECK(tick_key("n", *s.next_after(utc(2026, 3, 28, 12))) ==
        tick_key("n", *cron("30 2 * * *", "Europe/Berlin")
                          .next_after(utc(2026, 3, 28, 12, 30))));
  CHECK(tick_key("n", *s.next_after(utc(2026, 3, 28, 12))) ==
        "periodic:n@2026-03-29T01:00:00Z");
}
