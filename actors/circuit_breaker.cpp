#include "jobrt/actors/circuit_breaker.hpp"

#include "jobrt/actors/retry_policy.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace jobrt {

namespace {

// --- validation -------------------------------------------------------------

config_check check_window(const count_window& w) {
  if (w.calls < 1)
    return reject_setting("window.calls", "must be at least 1");
  return outcome::success();
}

config_check check_window(const time_window& w) {
  if (w.span <= duration::zero())
    return reject_setting("window.span", "must be positive");
  return outcome::success();
}

// A threshold the window can never hold is a breaker that silently never
// trips, so it is rejected together with the window it is measured in.
std::optional<std::int32_t> window_capacity(const breaker_config& c) {
  if (const auto* w = std::get_if<count_window>(&c.window))
    return w->calls;
  return std::nullopt;
}

config_check check_threshold(const failure_count_threshold& t,
                      std::optional<std::int32_t> capacity) {
  if (t.failures < 1)
    return reject_setting("threshold.failures", "must be at least 1");
  if (capacity && t.failures > *capacity)
    return reject_setting("threshold.failures", "must not exceed window.calls");
  return outcome::success();
}

config_check check_threshold(const failure_rate_threshold& t,
                      std::optional<std::int32_t> capacity) {
  // Written so that NaN fails as well.
  if (!(t.rate > 0.0 && t.rate <= 1.0))
    return reject_setting("threshold.rate", "must be above 0 and at most 1");
  if (t.min_calls < 1)
    return reject_setting("threshold.min_calls", "must be at least 1");
  if (capacity && t.min_calls > *capacity)
    return reject_setting("threshold.min_calls", "must not exceed window.calls");
  return outcome::success();
}

config_check check_cooldown(const breaker_config& c) {
  if (c.cooldown <= duration::zero())
    return reject_setting("cooldown", "must be positive");
  if (!(c.cooldown_growth >= 1.0) || std::isinf(c.cooldown_growth))
    return reject_setting("cooldown_growth", "must be a finite number of at least 1");
  if (c.max_cooldown < c.cooldown)
    return reject_setting("max_cooldown", "must be at least cooldown");
  return outcome::success();
}

// The cooldown grows on consecutive trips exactly as an exponential backoff
// grows on consecutive failures, so the retry policy's arithmetic (which
// saturates at the cap for any number of trips) serves both.
duration grown_cooldown(const breaker_config& c, std::int32_t trips) {
  return base_delay(
      exponential_backoff{c.cooldown, c.cooldown_growth, c.max_cooldown},
      trips);
}

} // namespace

std::string_view to_string(breaker_state s) noexcept {
  switch (s) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "unknown";
}

config_check validate_breaker_config(const breaker_config& c) {
  if (auto r = std::visit([](const auto& w) { return check_window(w); },
                          c.window);
      !r)
    return r;
  const auto capacity = window_capacity(c);
  if (auto r = std::visit(
          [&](const auto& t) { return check_threshold(t, capacity); },
          c.threshold);
      !r)
    return r;
  if (auto r = check_cooldown(c); !r)
    return r;
  if (c.probes < 1)
    return reject_setting("probes", "must be at least 1");
  return outcome::success();
}

circuit_breaker::circuit_breaker(breaker_config config)
    : config_(std::move(config)) {}

bool circuit_breaker::try_admit() { return admission_.try_admit(); }

std::optional<breaker_transition> circuit_breaker::record(call_outcome outcome,
                                                          time_point now) {
  switch (state_) {
    case breaker_state::closed: return record_closed(outcome, now);
    case breaker_state::half_open: return record_half_open(outcome, now);
    // Late results of attempts dispatched before the trip say nothing about
    // the dependency now; the cooldown alone decides when to probe again.
    case breaker_state::open: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<breaker_transition>
circuit_breaker::cooldown_elapsed(time_point now) {
  if (state_ != breaker_state::open || !reopen_at_ || now < *reopen_at_)
    return std::nullopt;
  state_ = breaker_state::half_open;
  admission_.enter(state_, config_.probes);
  probes_succeeded_ = 0;
  reopen_at_.reset();
  return breaker_transition{breaker_state::open, breaker_state::half_open,
                            now, trips_, std::nullopt};
}

std::optional<breaker_transition>
circuit_breaker::record_closed(call_outcome outcome, time_point now) {
  if (outcome == call_outcome::ignored_failure)
    return std::nullopt;
  push(outcome == call_outcome::transient_failure, now);
  if (!threshold_reached())
    return std::nullopt;
  return trip(now);
}

std::optional<breaker_transition>
circuit_breaker::record_half_open(call_outcome outcome, time_point now) {
  switch (outcome) {
    case call_outcome::success:
      if (++probes_succeeded_ < config_.probes)
        return std::nullopt;
      return close(now);
    case call_outcome::transient_failure: return trip(now);
    case call_outcome::ignored_failure:
      // The probe told nothing about the dependency, so another job may
      // take its place; otherwise a bad job could wedge the breaker.
      admission_.give_back();
      return std::nullopt;
  }
  return std::nullopt;
}

void circuit_breaker::push(bool failed, time_point now) {
  const bool merge = std::holds_alternative<time_window>(config_.window) &&
                     !window_.empty() && window_.back().at == now;
  if (merge) {
    window_.back().calls += 1;
    window_.back().failures += failed ? 1 : 0;
  } else {
    window_.push_back(bucket{now, 1, failed ? 1 : 0});
  }
  calls_in_window_ += 1;
  failures_in_window_ += failed ? 1 : 0;
  evict(now);
}

void circuit_breaker::evict(time_point now) {
  if (const auto* w = std::get_if<count_window>(&config_.window)) {
    while (calls_in_window_ > w->calls)
      pop_front();
    return;
  }
  // An outcome exactly `span` old is out: the window is (now - span, now].
  // Evicting from the front only is exact while time moves forward; if the
  // wall clock steps back, an older bucket may linger behind a newer one
  // until that one expires, which errs towards tripping, not hiding failures.
  const auto span = std::get<time_window>(config_.window).span;
  while (!window_.empty() && now - window_.front().at >= span)
    pop_front();
}

void circuit_breaker::pop_front() {
  calls_in_window_ -= window_.front().calls;
  failures_in_window_ -= window_.front().failures;
  window_.pop_front();
}

bool circuit_breaker::threshold_reached() const {
  if (const auto* t = std::get_if<failure_count_threshold>(&config_.threshold))
    return failures_in_window_ >= t->failures;
  const auto& t = std::get<failure_rate_threshold>(config_.threshold);
  if (calls_in_window_ < t.min_calls)
    return false;
  // A quotient rounds the same way as a decimal rate literal, so an exact
  // rate such as 3 of 10 against 0.3 compares equal rather than just below.
  return static_cast<double>(failures_in_window_) /
             static_cast<double>(calls_in_window_) >=
         t.rate;
}

std::optional<breaker_transition> circuit_breaker::trip(time_point now) {
  const auto from = state_;
  if (trips_ < std::numeric_limits<std::int32_t>::max())
    ++trips_;
  state_ = breaker_state::open;
  admission_.enter(state_, 0);
  reopen_at_ = saturating_add(now, grown_cooldown(config_, trips_));
  clear_window();
  return breaker_transition{from, breaker_state::open, now, trips_,
                            reopen_at_};
}

std::optional<breaker_transition> circuit_breaker::close(time_point now) {
  const auto from = state_;
  state_ = breaker_state::closed;
  trips_ = 0;
  admission_.enter(state_, config_.probes);
  probes_succeeded_ = 0;
  reopen_at_.reset();
  clear_window();
  return breaker_transition{from, breaker_state::closed, now, 0, std::nullopt};
}

void circuit_breaker::clear_window() {
  window_.clear();
  calls_in_window_ = 0;
  failures_in_window_ = 0;
}

} // namespace jobrt
