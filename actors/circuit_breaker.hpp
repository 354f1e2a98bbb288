#pragma once

// The circuit breaker state machine of one breaker key. Pure and CAF-free:
// time is passed in, never read. The circuit_breaker actor (next layer) owns
// one of these per key and lets the timer drive open → half-open.
//
// closed ──(transient failures reach the threshold in the window)──▶ open
// open ──(cooldown elapsed)──▶ half_open
// half_open ──(`probes` successes)──▶ closed
// half_open ──(any transient failure)──▶ open (cooldown may grow)
//
// Permanent failures (and attempts abandoned by a crash) never count and
// never close or open it.

#include "jobrt/actors/breaker_admission.hpp"
#include "jobrt/actors/config_error.hpp"
#include "jobrt/messages/breaker.hpp"
#include "jobrt/messages/job_error.hpp"
#include "jobrt/messages/time.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace jobrt {

/// The last `calls` outcomes.
struct count_window {
  std::int32_t calls = 20;
};

/// The outcomes of the last `span` of time.
struct time_window {
  duration span{std::chrono::seconds(60)};
};

/// Trip when transient failures in the window reach `failures`.
struct failure_count_threshold {
  std::int32_t failures = 5;
};

/// Trip when the window holds at least `min_calls` outcomes and the share of
/// transient failures among them reaches `rate` (0 < rate <= 1).
struct failure_rate_threshold {
  double rate = 0.5;
  std::int32_t min_calls = 10;
};

struct breaker_config {
  std::variant<count_window, time_window> window = count_window{};
  std::variant<failure_count_threshold, failure_rate_threshold> threshold =
      failure_count_threshold{};
  duration cooldown{std::chrono::seconds(30)};
  /// Each consecutive trip without closing in between multiplies the
  /// cooldown by this factor (1 = constant), never above max_cooldown.
  double cooldown_growth = 1.0;
  duration max_cooldown{std::chrono::minutes(10)};
  /// Jobs admitted in half-open; all must succeed to close.
  std::int32_t probes = 1;
};

/// Checks a config for nonsense; the error names the field.
config_check validate_breaker_config(const breaker_config& c);

class circuit_breaker {
public:
  /// `config` must pass validate_breaker_config.
  explicit circuit_breaker(breaker_config config);

  breaker_state state() const noexcept { return state_; }
  const breaker_config& config() const noexcept { return config_; }

  /// Whether a job of this key may be dispatched now. In half-open this
  /// takes one of the probe slots; call it once per dispatched job.
  bool try_admit();

  /// Records the outcome of an attempt that ended at `now`; returns the
  /// state change it caused, if any.
  std::optional<breaker_transition> record(call_outcome outcome,
                                           time_point now);

  /// The cooldown elapsed: open → half-open. Returns nothing (and does
  /// nothing) unless the breaker is open and `now` >= reopen_at().
  std::optional<breaker_transition> cooldown_elapsed(time_point now);

  /// When an open breaker may move to half-open; unset unless open.
  std::optional<time_point> reopen_at() const noexcept { return reopen_at_; }

  /// Consecutive trips without closing in between.
  std::int32_t trips() const noexcept { return trips_; }

private:
  /// Outcomes recorded at one instant. A count window keeps one call per
  /// bucket (eviction must know whether the oldest call failed); a time
  /// window merges the calls of the same millisecond, so its memory is
  /// bounded by the span in milliseconds, not by the call rate.
  struct bucket {
    time_point at;
    std::int32_t calls;
    std::int32_t failures;
  };

  std::optional<breaker_transition> record_closed(call_outcome outcome,
                                                  time_point now);
  std::optional<breaker_transition> record_half_open(call_outcome outcome,
                                                     time_point now);
  std::optional<breaker_transition> trip(time_point now);
  std::optional<breaker_transition> close(time_point now);
  void push(bool failed, time_point now);
  void evict(time_point now);
  void pop_front();
  void clear_window();
  bool threshold_reached() const;

  breaker_config config_;
  breaker_state state_ = breaker_state::closed;
  std::deque<bucket> window_;
  std::int64_t calls_in_window_ = 0;
  std::int64_t failures_in_window_ = 0;
  std::int32_t trips_ = 0;
  /// Who may pass: the same code the supervisor's dispatch gate runs.
  breaker_admission admission_;
  std::int32_t probes_succeeded_ = 0;
  std::optional<time_point> reopen_at_;
};

} // namespace jobrt
