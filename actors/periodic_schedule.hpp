#pragma once

// When a periodic job ticks: a cron expression read on the clocks of a time
// zone, or a fixed interval from an anchor. Pure and CAF-free: every answer
// is a function of the schedule and the time passed in, so every node and
// every restart computes the same ticks, and a tick's unique key
// (tick_key) names it everywhere.
//
// Time zones come from the OS time zone database (/usr/share/zoneinfo,
// Debian's tzdata) through Howard Hinnant's date library; UTC needs no
// database. date 3.0 reads only a zone file's transitions, not the rule
// that continues them, and Debian's files list transitions up to 2037: for
// later years a zone keeps the offset of its last transition (Berlin stays
// on CET in the summer of 2038).
//
// DST follows Vixie cron and cronie, which tell two kinds of job apart:
// - Fixed-time expressions (neither minute nor hour written with a leading
//   `*`, e.g. `30 2 * * *`) name wall-clock times. A time the clock skips
//   when it springs forward runs once, right after the gap (a 02:30 job on
//   Europe/Berlin's spring day runs at 03:00 CEST); several skipped times
//   run as that one tick. A time the clock shows twice when it falls back
//   runs once, at its first occurrence.
// - Wildcard expressions (`*/15 * * * *`, `30 * * * *`) follow real
//   elapsed time: they tick whenever the clock shows a matching time, so a
//   skipped hour has no ticks and a repeated hour ticks again.
// Cron itself only does this for jumps of up to 3 hours; here every change
// of a zone's offset is treated alike.
// End of months is plain matching: `0 0 31 * *` ticks only in months that
// have a 31st, `0 0 29 2 *` only in leap years.

#include "jobrt/actors/cron_expression.hpp"
#include "jobrt/messages/result.hpp"
#include "jobrt/messages/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace date {
class time_zone;
} // namespace date

namespace jobrt {

/// Why a schedule was refused: its cron expression (field is the cron
/// field, "minute" ... "day-of-week", or "expression"), its time zone or
/// its interval.
struct schedule_error {
  enum class cause_type : std::uint8_t { cron, time_zone, interval };
  cause_type cause = cause_type::cron;
  std::string field;
  /// The offending text as written.
  std::string value;
  std::string detail;

  /// "field: value detail", e.g. "minute: 61 out of range 0-59",
  /// "time_zone: Europe/Berln is not in the time zone database".
  std::string message() const;

  friend bool operator==(const schedule_error&, const schedule_error&) = default;
};

schedule_error to_schedule_error(const cron_error& e);

/// A zone of the OS time zone database, or UTC. Zones live as long as the
/// process and are immutable: copies may be used from any thread.
class time_zone {
public:
  /// UTC.
  time_zone() = default;

  /// "UTC" (no database needed) or a database name such as
  /// "Europe/Berlin"; names are case-sensitive, as in the database.
  static result<time_zone, schedule_error> locate(std::string_view name);

  const std::string& name() const noexcept { return name_; }

  friend bool operator==(const time_zone& a, const time_zone& b) noexcept {
    return a.name_ == b.name_;
  }

private:
  friend class periodic_schedule;
  time_zone(const date::time_zone* zone, std::string name)
      : zone_(zone), name_(std::move(name)) {}

  const date::time_zone* zone_ = nullptr; ///< null: UTC
  std::string name_{"UTC"};
};

class periodic_schedule {
public:
  /// Ticks at the matches of `expression` on the clocks of `zone`, by
  /// cron's DST rules (above).
  explicit periodic_schedule(cron_expression expression, time_zone zone = {});

  /// cron_expression::parse and time_zone::locate in one.
  static result<periodic_schedule, schedule_error>
  cron(std::string_view expression, std::string_view zone = "UTC");

  /// Ticks at anchor, anchor + interval, anchor + 2 × interval, ...
  /// The anchor must be the same on every node and after every restart
  /// (a configured instant, or the default, the Unix epoch, which puts
  /// ticks on multiples of the interval: every 15 min at :00, :15, ...),
  /// or the ticks, and so their keys, differ. `interval` must be positive.
  static result<periodic_schedule, schedule_error>
  every(duration interval, time_point anchor = time_point{});

  /// The first tick strictly after `t`; nullopt when there is none (a cron
  /// schedule past the year 9999, an interval past the end of time).
  std::optional<time_point> next_after(time_point t) const;

  /// The last tick at or before `t`; nullopt when there is none.
  std::optional<time_point> last_at_or_before(time_point t) const;

  /// The last tick in (after, upto]; nullopt when there is none.
  std::optional<time_point> last_between(time_point after,
                                         time_point upto) const;

  friend bool operator==(const periodic_schedule&, const periodic_schedule&) = default;

private:
  struct cron_rule {
    cron_expression expression;
    time_zone zone;
    friend bool operator==(const cron_rule&, const cron_rule&) = default;
  };
  struct interval_rule {
    duration interval;
    time_point anchor;
    friend bool operator==(const interval_rule&, const interval_rule&) = default;
  };
  explicit periodic_schedule(interval_rule rule) : rule_(rule) {}

  std::variant<cron_rule, interval_rule> rule_;
};

/// What to do about ticks that came while nobody fired them (the runtime
/// was down, or every node was).
enum class missed_tick_policy : std::uint8_t {
  skip,            ///< drop them; go on with the next tick (the default)
  run_last_missed, ///< fire the latest of them once, then go on
};

/// A tick at most this late is on time, not missed: timers, turns and a
/// restart take a moment (Quartz's misfire threshold is the same minute).
inline constexpr duration default_late_tolerance = std::chrono::minutes(1);

/// What decide_tick says to do now.
struct tick_decision {
  /// The tick to enqueue now (keyed by tick_key), if any.
  std::optional<time_point> fire;
  /// The latest tick up to now, fired or skipped: store it as the
  /// schedule's last handled tick (moving forward only), so that no node
  /// and no restart handles it again.
  std::optional<time_point> handled;
  /// Some ticks since the last handled one pass without firing.
  bool skipped = false;
  /// When to decide again: the first tick after now (and after the last
  /// handled one); nullopt if the schedule never ticks again.
  std::optional<time_point> next;

  friend bool operator==(const tick_decision&, const tick_decision&) = default;
};

/// Decides, at `now`, about the ticks after `last_handled` (the schedule's
/// stored last handled tick; nullopt for a schedule that never ticked,
/// which has missed nothing: store the time a schedule was registered
/// instead, and ticks missed before its first are caught up on as any
/// others). Of the ticks in (last_handled, now] only the
/// latest may fire: when it is at most `late_tolerance` old, or under
/// run_last_missed; under skip an older one is skipped. Earlier ones are
/// always skipped. A clock that stepped back behind `last_handled` fires
/// nothing until it passes it again.
tick_decision decide_tick(const periodic_schedule& schedule,
                          std::optional<time_point> last_handled,
                          time_point now,
                          missed_tick_policy policy = missed_tick_policy::skip,
                          duration late_tolerance = default_late_tolerance);

/// The unique key of the job that tick `tick` of schedule `name` enqueues:
/// "periodic:NAME@2026-03-29T01:00:00Z" (UTC, milliseconds shown only when
/// not zero). The same tick enqueued twice (a restart, another node) gets
/// the same key, so the store's unique keys keep one job while it is live.
/// A name of at most max_name_bytes keeps the key within
/// max_unique_key_bytes.
std::string tick_key(std::string_view schedule_name, time_point tick);

} // namespace jobrt
