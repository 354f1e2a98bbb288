#include "jobrt/actors/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <utility>

namespace jobrt {

namespace {

// Delays are computed in floating point (milliseconds) so that huge attempt
// numbers or factors saturate to infinity instead of overflowing an integer;
// they become whole milliseconds only once they are known to fit.
using millis = double;

millis to_millis(duration d) {
  return static_cast<millis>(d.count());
}

// Clamps into [0, cap] and rounds to whole milliseconds. NaN becomes 0 and
// anything at or above the cap becomes the cap exactly, so the conversion
// back to an integer can never overflow.
duration clamp_and_round(millis value, duration cap) {
  const auto upper = std::max(cap, duration::zero());
  if (!(value > 0.0))
    return duration::zero();
  if (!(value < to_millis(upper)))
    return upper;
  return std::min(duration{std::llround(value)}, upper);
}

duration exponential_delay(const exponential_backoff& b,
                           std::int32_t failed_attempt) {
  const auto exponent = static_cast<double>(failed_attempt - 1);
  return clamp_and_round(to_millis(b.base) * std::pow(b.factor, exponent),
                         b.cap);
}

duration schedule_delay(const schedule_backoff& b,
                        std::int32_t failed_attempt) {
  // An empty schedule is rejected by validate_policy; retrying at once is a
  // safer fallback than undefined behaviour.
  if (b.steps.empty())
    return duration::zero();
  const auto index = std::min(static_cast<std::size_t>(failed_attempt - 1),
                              b.steps.size() - 1);
  return b.steps[index];
}

const error_rule* find_rule(const retry_policy& policy,
                            const std::string& code) {
  auto it = std::find_if(policy.rules.begin(), policy.rules.end(),
                         [&](const error_rule& r) { return r.code == code; });
  return it == policy.rules.end() ? nullptr : &*it;
}

// The policy's max_delay and, for an exponential backoff, its own cap: no
// delay, whatever its source, goes above either.
duration delay_cap(const retry_policy& policy, const backoff& effective) {
  auto cap = policy.max_delay;
  if (const auto* exp = std::get_if<exponential_backoff>(&effective))
    cap = std::min(cap, exp->cap);
  return std::max(cap, duration::zero());
}

// A draw outside [0, 1] (a careless injected source) must not push a delay
// outside what the jitter kind promises; NaN counts as 0.
double unit_draw(const unit_random& random) {
  const double u = random();
  if (!(u > 0.0))
    return 0.0;
  return std::min(u, 1.0);
}

millis apply_jitter(const jitter& j, millis d, const unit_random& random) {
  // Without a source there is nothing to draw from; the plain delay is the
  // only deterministic answer and throwing would cross jobrt's API.
  if (j.kind == jitter_kind::none || !random)
    return d;
  const double u = unit_draw(random);
  switch (j.kind) {
    case jitter_kind::none: return d;
    case jitter_kind::full: return u * d;
    case jitter_kind::equal: return d / 2.0 + u * d / 2.0;
    case jitter_kind::proportional: {
      const double p = std::clamp(j.proportion, 0.0, 1.0);
      return d * (1.0 + p * (2.0 * u - 1.0));
    }
  }
  return d;
}

retry_decision give_up(give_up_reason reason) {
  return retry_decision{std::nullopt, reason};
}

retry_decision retry_in(duration delay) {
  return retry_decision{delay, give_up_reason::attempts_exhausted};
}

// --- validation -------------------------------------------------------------

std::string attempts_range_message() {
  return "must be between 1 and " + std::to_string(max_attempts_limit);
}

config_check check_attempts(const std::string& field, std::int32_t value) {
  if (value < 1 || value > max_attempts_limit)
    return reject_setting(field, attempts_range_message());
  return outcome::success();
}

config_check check_backoff(const std::string& field, const exponential_backoff& b) {
  if (b.base <= duration::zero())
    return reject_setting(field + ".base", "must be positive");
  // Written so that NaN fails as well.
  if (!(b.factor >= 1.0) || std::isinf(b.factor))
    return reject_setting(field + ".factor", "must be a finite number of at least 1");
  if (b.cap <= duration::zero())
    return reject_setting(field + ".cap", "must be positive");
  return outcome::success();
}

config_check check_backoff(const std::string& field, const fixed_backoff& b) {
  // Zero is a legitimate "retry at once"; only negative delays are nonsense.
  if (b.delay < duration::zero())
    return reject_setting(field + ".delay", "must not be negative");
  return outcome::success();
}

config_check check_backoff(const std::string& field, const schedule_backoff& b) {
  if (b.steps.empty())
    return reject_setting(field + ".steps", "must hold at least one step");
  for (std::size_t i = 0; i < b.steps.size(); ++i)
    if (b.steps[i] < duration::zero())
      return reject_setting(field + ".steps[" + std::to_string(i) + "]",
                    "must not be negative");
  return outcome::success();
}

config_check check_backoff(const std::string& field, const backoff& b) {
  return std::visit([&](const auto& alt) { return check_backoff(field, alt); },
                    b);
}

config_check check_jitter(const jitter& j) {
  if (j.kind > jitter_kind::proportional)
    return reject_setting("jitter.kind", "is not a known jitter kind");
  // Checked for every kind: the proportion is unused unless the kind is
  // proportional, but a nonsense value would surface only when it becomes so.
  if (!(j.proportion >= 0.0 && j.proportion <= 1.0))
    return reject_setting("jitter.proportion", "must be between 0 and 1");
  return outcome::success();
}

config_check check_rule(const retry_policy& policy, std::size_t i) {
  const auto& rule = policy.rules[i];
  const auto field = "rules[" + std::to_string(i) + "]";
  if (rule.code.empty())
    return reject_setting(field + ".code", "must not be empty");
  // Only the first rule with a code ever matches; a second is dead config
  // that someone believes is in force.
  for (std::size_t j = 0; j < i; ++j)
    if (policy.rules[j].code == rule.code)
      return reject_setting(field + ".code",
                    "duplicates rules[" + std::to_string(j) + "].code");
  if (rule.max_attempts)
    if (auto r = check_attempts(field + ".max_attempts", *rule.max_attempts);
        !r)
      return r;
  if (rule.backoff)
    return check_backoff(field + ".backoff", *rule.backoff);
  return outcome::success();
}

} // namespace

std::int32_t retry_policy::attempt_ceiling() const {
  auto ceiling = max_attempts;
  for (const auto& rule : rules)
    if (rule.max_attempts)
      ceiling = std::max(ceiling, *rule.max_attempts);
  return ceiling;
}

unit_random seeded_unit_random(std::uint64_t seed) {
  // Shared so that copies of the function draw from one sequence rather than
  // each replaying the same numbers.
  struct state {
    std::mt19937_64 engine;
    std::uniform_real_distribution<double> distribution{0.0, 1.0};
  };
  auto shared = std::make_shared<state>(state{std::mt19937_64{seed}, {}});
  return [shared] { return shared->distribution(shared->engine); };
}

std::string_view to_string(give_up_reason r) noexcept {
  switch (r) {
    case give_up_reason::permanent_error: return "permanent_error";
    case give_up_reason::never_retry_rule: return "never_retry_rule";
    case give_up_reason::attempts_exhausted: return "attempts_exhausted";
  }
  return "unknown";
}

duration base_delay(const backoff& b, std::int32_t failed_attempt) {
  // Attempts count from 1; anything lower is treated as the first failure.
  const auto n = std::max<std::int32_t>(failed_attempt, 1);
  if (const auto* exp = std::get_if<exponential_backoff>(&b))
    return exponential_delay(*exp, n);
  if (const auto* fixed = std::get_if<fixed_backoff>(&b))
    return fixed->delay;
  return schedule_delay(std::get<schedule_backoff>(b), n);
}

retry_decision decide_retry(const retry_policy& policy,
                            std::int32_t failed_attempt,
                            std::int32_t job_max_attempts,
                            const job_error& error, const unit_random& random) {
  if (!is_retryable(error.kind))
    return give_up(give_up_reason::permanent_error);
  const auto* rule = find_rule(policy, error.code);
  if (rule && rule->never_retry)
    return give_up(give_up_reason::never_retry_rule);

  const auto policy_limit =
      rule && rule->max_attempts ? *rule->max_attempts : policy.max_attempts;
  if (failed_attempt >= std::min(policy_limit, job_max_attempts))
    return give_up(give_up_reason::attempts_exhausted);

  const auto& effective = rule && rule->backoff ? *rule->backoff
                                                : policy.backoff;
  const auto cap = delay_cap(policy, effective);
  // The handler knows better than any formula when its dependency recovers,
  // so its hint is used as is: no jitter, only the cap.
  if (error.retry_after)
    return retry_in(std::clamp(*error.retry_after, duration::zero(), cap));

  const auto base = clamp_and_round(
      to_millis(base_delay(effective, failed_attempt)), cap);
  return retry_in(
      clamp_and_round(apply_jitter(policy.jitter, to_millis(base), random),
                      cap));
}

config_check validate_policy(const retry_policy& policy) {
  if (auto r = check_attempts("max_attempts", policy.max_attempts); !r)
    return r;
  if (auto r = check_backoff("backoff", policy.backoff); !r)
    return r;
  if (auto r = check_jitter(policy.jitter); !r)
    return r;
  if (policy.max_delay <= duration::zero())
    return reject_setting("max_delay", "must be positive");
  for (std::size_t i = 0; i < policy.rules.size(); ++i)
    if (auto r = check_rule(policy, i); !r)
      return r;
  return outcome::success();
}

} // namespace jobrt
