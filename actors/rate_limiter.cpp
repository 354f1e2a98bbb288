#include "jobrt/actors/rate_limiter.hpp"

#include <algorithm>
#include <limits>

namespace jobrt {

namespace {

constexpr auto scope_count = 3;

std::size_t index(rate_scope s) { return static_cast<std::size_t>(s); }

} // namespace

std::string_view to_string(rate_scope s) noexcept {
  switch (s) {
    case rate_scope::job_type: return "job_type";
    case rate_scope::queue: return "queue";
    case rate_scope::breaker_key: return "breaker_key";
  }
  return "job_type";
}

config_check validate_rate_limit(const rate_limit& limit) {
  if (limit.rate < 1 || limit.rate > max_rate)
    return reject_setting("rate", "must be between 1 and " +
                                      std::to_string(max_rate) + " (got " +
                                      std::to_string(limit.rate) + ")");
  if (limit.period < duration(1) || limit.period > max_rate_period)
    return reject_setting("period", "must be between 1 ms and 366 days (got " +
                                        std::to_string(limit.period.count()) +
                                        " ms)");
  if (limit.burst < 1 || limit.burst > max_burst)
    return reject_setting("burst", "must be between 1 and " +
                                       std::to_string(max_burst) + " (got " +
                                       std::to_string(limit.burst) + ")");
  return outcome::success();
}

// Exact time arithmetic in units of 1/rate ms. validate_rate_limit's
// bounds keep the magnitudes far from overflow, except next to the ends of
// time, where sums and differences saturate.
struct rate_limiter::exact_ops {
  std::int64_t rate;

  static exact_time at(time_point t) { return {t.time_since_epoch().count(), 0}; }

  static time_point rounded_up(exact_time t) {
    return time_point(duration(t.part > 0 ? t.ms + 1 : t.ms));
  }

  static bool before(exact_time a, exact_time b) {
    return a.ms < b.ms || (a.ms == b.ms && a.part < b.part);
  }

  static exact_time later(exact_time a, exact_time b) {
    return before(a, b) ? b : a;
  }

  exact_time plus(exact_time a, exact_time b) const {
    constexpr auto end = std::numeric_limits<std::int64_t>::max();
    exact_time sum{0, a.part + b.part};
    if (__builtin_add_overflow(a.ms, b.ms, &sum.ms))
      return {end, 0};
    if (sum.part >= rate) {
      sum.part -= rate;
      if (sum.ms == end)
        return {end, 0};
      ++sum.ms;
    }
    return sum;
  }

  exact_time minus(exact_time a, exact_time b) const {
    constexpr auto start = std::numeric_limits<std::int64_t>::min();
    exact_time difference{0, a.part - b.part};
    if (__builtin_sub_overflow(a.ms, b.ms, &difference.ms))
      return {start, 0};
    if (difference.part < 0) {
      if (difference.ms == start)
        return {start, 0};
      difference.part += rate;
      --difference.ms;
    }
    return difference;
  }
};

std::optional<time_point> rate_limiter::bucket::refusal(time_point now) const {
  if (now < held_until)
    return held_until;
  if (!limit)
    return std::nullopt;
  const exact_ops ops{limit->rate};
  const auto arrival = ops.later(theoretical_arrival, exact_ops::at(now));
  const auto earliest = ops.minus(arrival, limit->tolerance);
  if (!ops.before(exact_ops::at(now), earliest))
    return std::nullopt;
  return exact_ops::rounded_up(earliest);
}

void rate_limiter::bucket::take(time_point now) {
  if (!limit)
    return;
  const exact_ops ops{limit->rate};
  // A start within the millisecond after its theoretical arrival is on
  // time: `now` only has millisecond resolution, and restarting the pace
  // from `now` would lose the fraction at every start (3 per second would
  // become 2.99...). Later than that, the bucket was full and the pace
  // restarts from now.
  auto arrival = theoretical_arrival;
  const auto current = exact_ops::at(now);
  if (!ops.before(current, ops.plus(arrival, exact_time{1, 0})))
    arrival = current;
  theoretical_arrival = ops.plus(arrival, limit->interval);
}

config_check rate_limiter::set_limit(rate_scope scope, std::string_view name,
                                     const rate_limit& limit) {
  BOOST_OUTCOME_TRYV(validate_rate_limit(limit));
  const auto period = limit.period.count();
  const auto intervals = limit.burst - 1;
  const auto remainder = period % limit.rate;
  pacing p;
  p.rate = limit.rate;
  p.period_ms = period;
  p.interval = {period / limit.rate, remainder};
  p.tolerance = {intervals * (period / limit.rate) +
                     intervals * remainder / limit.rate,
                 intervals * remainder % limit.rate};
  auto& b = tables_[index(scope)][std::string(name)];
  b.limit = p;
  b.theoretical_arrival = bucket{}.theoretical_arrival;
  return outcome::success();
}

void rate_limiter::remove_limit(rate_scope scope, std::string_view name) {
  auto& table = tables_[index(scope)];
  const auto i = table.find(name);
  if (i == table.end())
    return;
  i->second.limit.reset();
  if (i->second.held_until == time_point::min())
    table.erase(i);
}

rate_limiter::bucket* rate_limiter::find(rate_scope scope,
                                         std::string_view name) {
  auto& table = tables_[index(scope)];
  if (table.empty() || name.empty())
    return nullptr;
  const auto i = table.find(name);
  return i == table.end() ? nullptr : &i->second;
}

const rate_limiter::bucket* rate_limiter::find(rate_scope scope,
                                               std::string_view name) const {
  return const_cast<rate_limiter*>(this)->find(scope, name);
}

void rate_limiter::forget_if_spent(rate_scope scope, std::string_view name,
                                   time_point now) {
  auto& table = tables_[index(scope)];
  const auto i = table.find(name);
  if (i != table.end() && !i->second.limit && i->second.held_until <= now)
    table.erase(i);
}

rate_decision rate_limiter::try_take(const rate_keys& keys, time_point now) {
  if (empty())
    return {};
  const std::array<std::string_view, scope_count> names{
      keys.job_type, keys.queue, keys.breaker_key};
  std::array<bucket*, scope_count> limiting{};
  std::optional<time_point> wait;
  for (std::size_t s = 0; s < scope_count; ++s) {
    const auto scope = static_cast<rate_scope>(s);
    auto* b = find(scope, names[s]);
    if (b == nullptr)
      continue;
    if (const auto refused = b->refusal(now))
      wait = std::max(wait.value_or(*refused), *refused);
    else if (!b->limit)
      forget_if_spent(scope, names[s], now);
    else
      limiting[s] = b;
  }
  if (wait)
    return {wait};
  for (auto* b : limiting)
    if (b != nullptr)
      b->take(now);
  return {};
}

rate_decision rate_limiter::try_take(rate_scope scope, std::string_view name,
                                     time_point now) {
  rate_keys keys;
  switch (scope) {
    case rate_scope::job_type: keys.job_type = name; break;
    case rate_scope::queue: keys.queue = name; break;
    case rate_scope::breaker_key: keys.breaker_key = name; break;
  }
  return try_take(keys, now);
}

void rate_limiter::hold(rate_scope scope, std::string_view name,
                        time_point until) {
  if (name.empty())
    return;
  auto& b = tables_[index(scope)][std::string(name)];
  b.held_until = std::max(b.held_until, until);
}

std::int64_t rate_limiter::available(rate_scope scope, std::string_view name,
                                     time_point now) const {
  const auto* b = find(scope, name);
  if (b == nullptr || (!b->limit && now >= b->held_until))
    return std::numeric_limits<std::int64_t>::max();
  if (now < b->held_until)
    return 0;
  const auto& p = *b->limit;
  const exact_ops ops{p.rate};
  const auto arrival = ops.later(b->theoretical_arrival, exact_ops::at(now));
  const auto reach = ops.plus(exact_ops::at(now), p.tolerance);
  if (ops.before(reach, arrival))
    return 0;
  // slack / interval, with interval = period / rate: slack × rate / period,
  // slack in units of 1/rate ms (at most (burst - 1) × period: no overflow).
  const auto slack = ops.minus(reach, arrival);
  return (slack.ms * p.rate + slack.part) / p.period_ms + 1;
}

bool rate_limiter::empty() const noexcept {
  return std::all_of(tables_.begin(), tables_.end(),
                     [](const bucket_table& t) { return t.empty(); });
}

} // namespace jobrt
