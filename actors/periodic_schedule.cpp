#include "jobrt/actors/periodic_schedule.hpp"

#include <date/tz.h>

#include <algorithm>
#include <exception>

namespace jobrt {

namespace {

using namespace std::chrono;
using cause = schedule_error::cause_type;

constexpr duration one_ms{1};

// Cron's calendar covers the years 1-9999 (cron_expression::next_match);
// offsets are at most a day, so these bounds in UTC keep every local time
// within it.
constexpr time_point cron_first =
    time_point(sys_days(year{1} / January / 2).time_since_epoch());
constexpr time_point cron_last =
    time_point(sys_days(year{9999} / December / 31).time_since_epoch());

/// The offset (local minus UTC) in force at an instant, and the instant it
/// ends at.
struct zone_period {
  duration offset{0};
  time_point end = time_point::max();
};

zone_period period_at(const date::time_zone* zone, time_point t) {
  if (zone == nullptr)
    return {};
  const auto info = zone->get_info(t);
  return {duration_cast<duration>(info.offset),
          time_point_cast<duration>(info.end)};
}

local_time<duration> local_at(time_point t, duration offset) {
  return local_time<duration>((t + offset).time_since_epoch());
}

/// The first instant the clocks show `wall` (DST: the first occurrence of
/// a repeated time), or the end of the gap for a time they skip. Also,
/// while `wall` is a repeated time, where the repetition ends: wall times
/// from there on are shown once again.
struct wall_instant {
  time_point at;
  std::optional<local_minutes> repeats_until;
};

wall_instant first_instant(const date::time_zone* zone, local_minutes wall) {
  const auto since_epoch = wall.time_since_epoch();
  if (zone == nullptr)
    return {time_point(since_epoch), std::nullopt};
  const auto info = zone->get_info(date::local_time<minutes>(since_epoch));
  const auto first_offset = duration_cast<duration>(info.first.offset);
  switch (info.result) {
    case date::local_info::nonexistent:
      return {time_point_cast<duration>(info.first.end), std::nullopt};
    case date::local_info::ambiguous: {
      const auto end = time_point_cast<duration>(info.first.end) + first_offset;
      return {time_point(since_epoch - first_offset),
              local_minutes(ceil<minutes>(end.time_since_epoch()))};
    }
    default:
      return {time_point(since_epoch - first_offset), std::nullopt};
  }
}

/// Wildcard cron: a tick whenever the clock shows a matching minute.
std::optional<time_point> next_shown(const cron_expression& e,
                                     const date::time_zone* zone,
                                     time_point after) {
  auto from = after + one_ms;
  while (true) {
    const auto period = period_at(zone, from);
    const auto wall = e.next_match(ceil<minutes>(local_at(from, period.offset)));
    if (!wall)
      return std::nullopt;
    const auto at = time_point(wall->time_since_epoch()) - period.offset;
    if (at < period.end)
      return at;
    from = period.end;
  }
}

/// Fixed-time cron: a tick at the first instant of each matching wall time.
std::optional<time_point> next_named(const cron_expression& e,
                                     const date::time_zone* zone,
                                     time_point after) {
  const auto period = period_at(zone, after);
  auto wall = e.next_match(floor<minutes>(local_at(after, period.offset)));
  while (wall) {
    const auto instant = first_instant(zone, *wall);
    if (instant.at > after)
      return instant.at;
    auto resume = *wall + minutes(1);
    if (instant.repeats_until)
      resume = std::max(resume, *instant.repeats_until);
    wall = e.next_match(resume);
  }
  return std::nullopt;
}

std::optional<time_point> next_cron(const cron_expression& e,
                                    const date::time_zone* zone,
                                    time_point after) {
  if (after >= cron_last)
    return std::nullopt;
  after = std::max(after, cron_first);
  return e.fixed_time() ? next_named(e, zone, after)
                        : next_shown(e, zone, after);
}

std::optional<time_point> next_interval(duration interval, time_point anchor,
                                        time_point after) {
  if (after < anchor)
    return anchor;
  const auto into_step = (after - anchor) % interval;
  const auto step_left = interval - into_step;
  if (step_left > time_point::max() - after)
    return std::nullopt;
  return after + step_left;
}

std::string digits(long long value, int width) {
  auto text = std::to_string(value);
  if (static_cast<int>(text.size()) < width)
    text.insert(0, static_cast<std::size_t>(width) - text.size(), '0');
  return text;
}

std::string utc_text(time_point t) {
  constexpr auto first = sys_days(year{0} / January / 1);
  constexpr auto end = sys_days(year{10000} / January / 1);
  if (t < first || t >= end)
    return std::to_string(t.time_since_epoch().count()) + "ms";
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<duration> clock{t - day};
  auto text = digits(int(date.year()), 4) + "-" +
              digits(unsigned(date.month()), 2) + "-" +
              digits(unsigned(date.day()), 2) + "T" +
              digits(clock.hours().count(), 2) + ":" +
              digits(clock.minutes().count(), 2) + ":" +
              digits(clock.seconds().count(), 2);
  if (clock.subseconds().count() != 0)
    text += "." + digits(clock.subseconds().count(), 3);
  return text + "Z";
}

} // namespace

std::string schedule_error::message() const {
  auto text = field + ": ";
  if (!value.empty())
    text += value + " ";
  return text + detail;
}

schedule_error to_schedule_error(const cron_error& e) {
  return {cause::cron, std::string(to_string(e.field)), e.value, e.detail};
}

result<time_zone, schedule_error> time_zone::locate(std::string_view name) {
  if (name == "UTC")
    return time_zone{};
  if (name.empty())
    return schedule_error{cause::time_zone, "time_zone", "", "is empty"};
  // date reports both a missing database and an unknown name by throwing;
  // neither may cross jobrt's API. Loading the zone here (get_info) means
  // later lookups find it loaded and cannot throw.
  try {
    date::get_tzdb();
  } catch (const std::exception& e) {
    return schedule_error{cause::time_zone, "time_zone", std::string(name),
                          std::string("cannot be looked up: ") + e.what()};
  }
  try {
    const auto* zone = date::locate_zone(name);
    zone->get_info(date::sys_seconds{});
    return time_zone{zone, std::string(name)};
  } catch (const std::exception&) {
    return schedule_error{cause::time_zone, "time_zone", std::string(name),
                          "is not in the time zone database"};
  }
}

periodic_schedule::periodic_schedule(cron_expression expression, time_zone zone)
    : rule_(cron_rule{std::move(expression), std::move(zone)}) {}

result<periodic_schedule, schedule_error>
periodic_schedule::cron(std::string_view expression, std::string_view zone) {
  auto parsed = cron_expression::parse(expression);
  if (!parsed)
    return to_schedule_error(parsed.error());
  BOOST_OUTCOME_TRY(located, time_zone::locate(zone));
  return periodic_schedule(std::move(parsed).value(), std::move(located));
}

result<periodic_schedule, schedule_error>
periodic_schedule::every(duration interval, time_point anchor) {
  if (interval <= duration::zero())
    return schedule_error{cause::interval, "interval",
                          std::to_string(interval.count()) + "ms",
                          "must be positive"};
  return periodic_schedule(interval_rule{interval, anchor});
}

std::optional<time_point> periodic_schedule::next_after(time_point t) const {
  if (t == time_point::max())
    return std::nullopt;
  if (const auto* rule = std::get_if<cron_rule>(&rule_))
    return next_cron(rule->expression, rule->zone.zone_, t);
  const auto& rule = std::get<interval_rule>(rule_);
  return next_interval(rule.interval, rule.anchor, t);
}

std::optional<time_point>
periodic_schedule::last_between(time_point after, time_point upto) const {
  const auto first = next_after(after);
  if (!first || *first > upto)
    return std::nullopt;
  if (const auto* rule = std::get_if<interval_rule>(&rule_)) {
    const auto steps = (upto - rule->anchor) / rule->interval;
    return rule->anchor + steps * rule->interval;
  }
  // No cron arithmetic runs backwards through DST, so look back from `upto`
  // in doubling windows (a minute, two, four, ...) for the first one
  // holding a tick, then walk forward to the last tick in it. Only ticks in
  // that window's older half are walked over.
  auto found = *first;
  for (auto window = duration(minutes(1)); window < upto - *first;
       window = window * 2) {
    if (auto in_window = next_after(upto - window); in_window && *in_window <= upto) {
      found = *in_window;
      break;
    }
  }
  while (auto later = next_after(found)) {
    if (*later > upto)
      break;
    found = *later;
  }
  return found;
}

std::optional<time_point> periodic_schedule::last_at_or_before(time_point t) const {
  return last_between(time_point::min(), t);
}

tick_decision decide_tick(const periodic_schedule& schedule,
                          std::optional<time_point> last_handled,
                          time_point now, missed_tick_policy policy,
                          duration late_tolerance) {
  tick_decision decision;
  decision.next = schedule.next_after(std::max(now, last_handled.value_or(now)));
  if (!last_handled)
    return decision;
  const auto latest = schedule.last_between(*last_handled, now);
  if (!latest)
    return decision;
  decision.handled = latest;
  const bool on_time = *latest >= saturating_sub(now, late_tolerance);
  if (on_time || policy == missed_tick_policy::run_last_missed)
    decision.fire = latest;
  const auto first_due = schedule.next_after(*last_handled);
  decision.skipped = !decision.fire || (first_due && *first_due < *latest);
  return decision;
}

std::string tick_key(std::string_view schedule_name, time_point tick) {
  std::string key = "periodic:";
  key += schedule_name;
  key += '@';
  key += utc_text(tick);
  return key;
}

} // namespace jobrt
