#include "jobrt/actors/retry_policy.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

// The numbers come from the systems jobrt learns from: Sidekiq-style
// schedules, `2^n` seconds with 10 % jitter (Oban/BullMQ), and a longer
// budget for `not_found` while an upstream record is still being created.

namespace {

using namespace std::chrono_literals;
using jobrt::backoff;
using jobrt::base_delay;
using jobrt::decide_retry;
using jobrt::duration;
using jobrt::error_kind;
using jobrt::error_rule;
using jobrt::exponential_backoff;
using jobrt::fixed_backoff;
using jobrt::give_up_reason;
using jobrt::jitter;
using jobrt::jitter_kind;
using jobrt::job_error;
using jobrt::retry_decision;
using jobrt::retry_policy;
using jobrt::schedule_backoff;
using jobrt::unit_random;

constexpr auto int32_max = std::numeric_limits<std::int32_t>::max();

// The largest double below 1: the top of what a unit_random may return.
const double almost_one = std::nextafter(1.0, 0.0);

unit_random constant(double u) {
  return [u] { return u; };
}

// A source that must not be consulted: the decision would then depend on it.
unit_random counting(int& calls) {
  return [&calls] {
    ++calls;
    return 0.5;
  };
}

job_error transient(std::string code = "http_503") {
  return job_error::transient(std::move(code));
}

job_error with_hint(job_error e, duration hint) {
  e.retry_after = hint;
  return e;
}

duration delay_of(const retry_decision& d) {
  REQUIRE(d.retry());
  return *d.delay;
}

void require_gives_up(const retry_decision& d, give_up_reason reason) {
  REQUIRE_FALSE(d.retry());
  CHECK(d.reason == reason);
}

retry_policy schedule_policy() {
  retry_policy p;
  p.max_attempts = 20;
  p.backoff = schedule_backoff{{1min, 5min, 30min, 2h, 12h}};
  return p;
}

retry_policy two_to_the_n_policy() {
  retry_policy p;
  p.max_attempts = 3;
  p.backoff = exponential_backoff{2s, 2.0, 1h};
  p.jitter = jitter{jitter_kind::proportional, 0.1};
  return p;
}

retry_policy not_found_policy() {
  retry_policy p;
  p.rules.push_back(
      error_rule{"not_found", 12, exponential_backoff{30s, 2.0, 1h}, false});
  return p;
}

retry_policy jittered_fixed(jitter_kind kind, duration d = 10s) {
  retry_policy p;
  p.max_attempts = 100;
  p.backoff = fixed_backoff{d};
  p.jitter = jitter{kind, 0.1};
  return p;
}

std::string rejection(const retry_policy& p) {
  auto r = jobrt::validate_policy(p);
  REQUIRE_FALSE(r);
  return r.error().message();
}

bool accepted(const retry_policy& p) {
  return static_cast<bool>(jobrt::validate_policy(p));
}

// The unit draws a sweep tries: 0, 0.001, ..., 0.999 and the top value.
std::vector<double> unit_sweep() {
  std::vector<double> us;
  for (int i = 0; i < 1000; ++i)
    us.push_back(i / 1000.0);
  us.push_back(almost_one);
  return us;
}

} // namespace

// --- schedule backoff -------------------------------------------------------

TEST_CASE("schedule backoff waits 1 min then 5 min 30 min 2 h and 12 h",
          "[retry_policy]") {
  const auto p = schedule_policy();
  const auto r = constant(0.5);
  CHECK(delay_of(decide_retry(p, 1, 20, transient(), r)) == 1min);
  CHECK(delay_of(decide_retry(p, 2, 20, transient(), r)) == 5min);
  CHECK(delay_of(decide_retry(p, 3, 20, transient(), r)) == 30min);
  CHECK(delay_of(decide_retry(p, 4, 20, transient(), r)) == 2h);
  CHECK(delay_of(decide_retry(p, 5, 20, transient(), r)) == 12h);
}

TEST_CASE("schedule backoff repeats its last step", "[retry_policy]") {
  const auto p = schedule_policy();
  const auto r = constant(0.5);
  for (std::int32_t attempt : {5, 6, 10, 19}) {
    INFO("failed attempt " << attempt);
    CHECK(delay_of(decide_retry(p, attempt, 20, transient(), r)) == 12h);
  }
  CHECK(base_delay(p.backoff, int32_max) == 12h);
}

// --- 2^n seconds with proportional jitter -----------------------------------

TEST_CASE("two to the n seconds stay within ten percent over seeded draws",
          "[retry_policy]") {
  const auto p = two_to_the_n_policy();
  auto random = jobrt::seeded_unit_random(42);
  duration lowest = duration::max();
  duration highest = duration::min();
  for (int draw = 0; draw < 1000; ++draw) {
    const auto first = delay_of(decide_retry(p, 1, 3, transient(), random));
    const auto second = delay_of(decide_retry(p, 2, 3, transient(), random));
    REQUIRE(first >= 1800ms);
    REQUIRE(first <= 2200ms);
    REQUIRE(second >= 3600ms);
    REQUIRE(second <= 4400ms);
    lowest = std::min(lowest, first);
    highest = std::max(highest, first);
  }
  // The draws must actually spread over the band, not sit at 2 s.
  CHECK(lowest < 1850ms);
  CHECK(highest > 2150ms);
}

TEST_CASE("two to the n seconds jitter reaches both edges of the band",
          "[retry_policy]") {
  const auto p = two_to_the_n_policy();
  CHECK(delay_of(decide_retry(p, 1, 3, transient(), constant(0.0))) ==
        1800ms);
  CHECK(delay_of(decide_retry(p, 1, 3, transient(), constant(almost_one))) ==
        2200ms);
  CHECK(delay_of(decide_retry(p, 1, 3, transient(), constant(0.5))) == 2s);
  CHECK(delay_of(decide_retry(p, 2, 3, transient(), constant(0.0))) ==
        3600ms);
  CHECK(delay_of(decide_retry(p, 2, 3, transient(), constant(almost_one))) ==
        4400ms);
}

TEST_CASE("two to the n seconds gives up at the third failure",
          "[retry_policy]") {
  const auto p = two_to_the_n_policy();
  require_gives_up(decide_retry(p, 3, 3, transient(), constant(0.5)),
                   give_up_reason::attempts_exhausted);
}

// --- rules by error code ----------------------------------------------------

TEST_CASE("not_found rule retries eleven times from a 30 s base",
          "[retry_policy]") {
  const auto p = not_found_policy();
  const auto ceiling = p.attempt_ceiling();
  REQUIRE(ceiling == 12);
  const auto r = constant(0.5);
  CHECK(delay_of(decide_retry(p, 1, ceiling, transient("not_found"), r)) ==
        30s);
  CHECK(delay_of(decide_retry(p, 2, ceiling, transient("not_found"), r)) ==
        60s);
  CHECK(delay_of(decide_retry(p, 5, ceiling, transient("not_found"), r)) ==
        480s);
  // 30 s * 2^10 is past the rule's 1 h cap.
  CHECK(delay_of(decide_retry(p, 11, ceiling, transient("not_found"), r)) ==
        1h);
  require_gives_up(decide_retry(p, 12, ceiling, transient("not_found"), r),
                   give_up_reason::attempts_exhausted);
}

TEST_CASE("not_found rule leaves other codes at the policy limit of 5",
          "[retry_policy]") {
  const auto p = not_found_policy();
  const auto ceiling = p.attempt_ceiling();
  const auto r = constant(0.5);
  CHECK(delay_of(decide_retry(p, 1, ceiling, transient("http_503"), r)) ==
        1s);
  CHECK(delay_of(decide_retry(p, 4, ceiling, transient("http_503"), r)) ==
        8s);
  require_gives_up(decide_retry(p, 5, ceiling, transient("http_503"), r),
                   give_up_reason::attempts_exhausted);
}

TEST_CASE("never retry rule gives up at the first failure", "[retry_policy]") {
  auto p = schedule_policy();
  p.rules.push_back(error_rule{"invalid_payload", std::nullopt, std::nullopt,
                               true});
  require_gives_up(
      decide_retry(p, 1, 20, transient("invalid_payload"), constant(0.5)),
      give_up_reason::never_retry_rule);
  require_gives_up(decide_retry(p, 1, 20,
                                with_hint(transient("invalid_payload"), 1s),
                                constant(0.5)),
                   give_up_reason::never_retry_rule);
  CHECK(delay_of(decide_retry(p, 1, 20, transient("http_503"),
                              constant(0.5))) == 1min);
}

TEST_CASE("rule without its own backoff uses the policy backoff",
          "[retry_policy]") {
  auto p = schedule_policy();
  p.rules.push_back(error_rule{"rate_limited", 3, std::nullopt, false});
  // A later rule for the same code never matches.
  p.rules.push_back(error_rule{"rate_limited", std::nullopt, std::nullopt,
                               true});
  const auto r = constant(0.5);
  CHECK(delay_of(decide_retry(p, 2, 20, transient("rate_limited"), r)) ==
        5min);
  require_gives_up(decide_retry(p, 3, 20, transient("rate_limited"), r),
                   give_up_reason::attempts_exhausted);
}

// --- error kinds ------------------------------------------------------------

TEST_CASE("permanent errors never retry even with a hint and attempts left",
          "[retry_policy]") {
  auto p = not_found_policy();
  p.rules.push_back(error_rule{"bad_input", std::nullopt, std::nullopt, true});
  int calls = 0;
  const auto r = counting(calls);
  require_gives_up(decide_retry(p, 1, 12, job_error::permanent("http_503"), r),
                   give_up_reason::permanent_error);
  require_gives_up(
      decide_retry(p, 1, 12, with_hint(job_error::permanent("not_found"), 1s),
                   r),
      give_up_reason::permanent_error);
  // The kind is decided before any rule.
  require_gives_up(
      decide_retry(p, 1, 12, job_error::permanent("bad_input"), r),
      give_up_reason::permanent_error);
  CHECK(calls == 0);
}

TEST_CASE("timeout and abandoned failures retry like transient ones",
          "[retry_policy]") {
  const retry_policy p;
  for (auto kind : {error_kind::timeout, error_kind::abandoned}) {
    INFO(jobrt::to_string(kind));
    job_error e{kind, std::string(jobrt::error_codes::timeout), {}, {}};
    CHECK(delay_of(decide_retry(p, 3, 5, e, constant(0.5))) == 4s);
    require_gives_up(decide_retry(p, 5, 5, e, constant(0.5)),
                     give_up_reason::attempts_exhausted);
  }
}

// --- retry_after hints ------------------------------------------------------

TEST_CASE("retry_after hint replaces the computed delay without jitter",
          "[retry_policy]") {
  auto p = schedule_policy();
  p.jitter = jitter{jitter_kind::full, 0.1};
  int calls = 0;
  const auto r = counting(calls);
  CHECK(delay_of(decide_retry(p, 3, 20, with_hint(transient(), 7s), r)) == 7s);
  CHECK(delay_of(decide_retry(p, 1, 20, with_hint(transient(), 0ms), r)) ==
        0ms);
  CHECK(calls == 0);
}

TEST_CASE("retry_after hint is still capped", "[retry_policy]") {
  auto p = schedule_policy();
  CHECK(delay_of(decide_retry(p, 1, 20, with_hint(transient(), 48h),
                              constant(0.5))) == 24h);
  CHECK(delay_of(decide_retry(p, 1, 20, with_hint(transient(), -5s),
                              constant(0.5))) == 0ms);
  // An exponential backoff's own cap bounds hints as well.
  p.backoff = exponential_backoff{1s, 2.0, 1h};
  CHECK(delay_of(decide_retry(p, 1, 20, with_hint(transient(), 2h),
                              constant(0.5))) == 1h);
  CHECK(delay_of(decide_retry(p, 1, 20, with_hint(transient(), duration::max()),
                              constant(0.5))) == 1h);
}

TEST_CASE("retry_after hint is capped by the rule backoff in force",
          "[retry_policy]") {
  auto p = not_found_policy();
  p.backoff = fixed_backoff{10s};
  p.rules[0].backoff = exponential_backoff{30s, 2.0, 10min};
  const auto r = constant(0.5);
  CHECK(delay_of(decide_retry(p, 1, 12, with_hint(transient("not_found"), 1h),
                              r)) == 10min);
  CHECK(delay_of(decide_retry(p, 1, 12, with_hint(transient("http_503"), 1h),
                              r)) == 1h);
}

// --- caps and jitter --------------------------------------------------------

TEST_CASE("cap is never exceeded with any jitter kind", "[retry_policy]") {
  const std::vector<jitter> jitters{{jitter_kind::none, 0.1},
                                    {jitter_kind::full, 0.1},
                                    {jitter_kind::equal, 0.1},
                                    {jitter_kind::proportional, 0.1},
                                    {jitter_kind::proportional, 1.0}};
  const std::vector<std::int32_t> attempts{12, 13, 20, 100, 1000,
                                           int32_max - 1};
  for (const auto& j : jitters) {
    for (duration max_delay : std::initializer_list<duration>{24h, 10min}) {
      retry_policy p;
      p.max_attempts = int32_max;
      p.jitter = j;
      p.max_delay = max_delay;
      const auto cap = std::min(max_delay, duration{1h});
      duration highest = duration::min();
      duration lowest = duration::max();
      for (auto attempt : attempts)
        for (double u : unit_sweep()) {
          const auto d = delay_of(
              decide_retry(p, attempt, int32_max, transient(), constant(u)));
          highest = std::max(highest, d);
          lowest = std::min(lowest, d);
        }
      INFO("jitter kind " << static_cast<int>(j.kind) << " proportion "
                          << j.proportion << " max_delay "
                          << max_delay.count());
      CHECK(lowest >= 0ms);
      CHECK(highest <= cap);
      // Every kind's top draw lands on the cap itself at these attempts, so
      // the sweep really pressed against it.
      CHECK(highest == cap);
    }
  }
}

TEST_CASE("schedule steps above max_delay are capped", "[retry_policy]") {
  auto p = schedule_policy();
  p.max_delay = 1h;
  p.jitter = jitter{jitter_kind::proportional, 0.5};
  CHECK(delay_of(decide_retry(p, 3, 20, transient(), constant(almost_one))) ==
        45min);
  CHECK(delay_of(decide_retry(p, 4, 20, transient(), constant(almost_one))) ==
        1h);
  CHECK(delay_of(decide_retry(p, 4, 20, transient(), constant(0.0))) == 30min);
}

TEST_CASE("full jitter spans zero to d", "[retry_policy]") {
  const auto p = jittered_fixed(jitter_kind::full);
  CHECK(delay_of(decide_retry(p, 1, 100, transient(), constant(0.0))) == 0ms);
  CHECK(delay_of(decide_retry(p, 1, 100, transient(), constant(0.25))) ==
        2500ms);
  CHECK(delay_of(decide_retry(p, 1, 100, transient(), constant(almost_one))) ==
        10s);
  auto random = jobrt::seeded_unit_random(3);
  duration lowest = duration::max();
  duration highest = duration::min();
  for (int draw = 0; draw < 1000; ++draw) {
    const auto d = delay_of(decide_retry(p, 1, 100, transient(), random));
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  CHECK(lowest >= 0ms);
  CHECK(lowest < 500ms);
  CHECK(highest <= 10s);
  CHECK(highest > 9500ms);
}

TEST_CASE("equal jitter spans half d to d", "[retry_policy]") {
  const auto p = jittered_fixed(jitter_kind::equal);
  CHECK(delay_of(decide_retry(p, 1, 100, transient(), constant(0.0))) == 5s);
  CHECK(delay_of(decide_retry(p, 1, 100, transient(), constant(0.5))) ==
        7500ms);
  CHECK(delay_of(decide_retry(p, 1, 100, transient(), constant(almost_one))) ==
        10s);
  for (double u : unit_sweep()) {
    const auto d = delay_of(decide_retry(p, 1, 100, transient(), constant(u)));
    REQUIRE(d >= 5s);
    REQUIRE(d <= 10s);
  }
}

TEST_CASE("draws outside zero to one do not escape the jitter range",
          "[retry_policy]") {
  const auto full = jittered_fixed(jitter_kind::full);
  CHECK(delay_of(decide_retry(full, 1, 100, transient(), constant(-3.0))) ==
        0ms);
  CHECK(delay_of(decide_retry(full, 1, 100, transient(), constant(7.0))) ==
        10s);
  CHECK(delay_of(decide_retry(full, 1, 100, transient(),
                              constant(std::nan("")))) == 0ms);
}

TEST_CASE("no jitter draws no random numbers", "[retry_policy]") {
  const auto p = jittered_fixed(jitter_kind::none);
  int calls = 0;
  CHECK(delay_of(decide_retry(p, 1, 100, transient(), counting(calls))) == 10s);
  CHECK(calls == 0);
  // An empty source cannot jitter; the plain delay is used.
  const auto full = jittered_fixed(jitter_kind::full);
  CHECK(delay_of(decide_retry(full, 1, 100, transient(), unit_random{})) ==
        10s);
}

// --- backoff shapes ---------------------------------------------------------

TEST_CASE("fixed backoff waits the same after every failure",
          "[retry_policy]") {
  const auto p = jittered_fixed(jitter_kind::none, 45s);
  for (std::int32_t attempt : {1, 2, 3, 50, 99}) {
    INFO("failed attempt " << attempt);
    CHECK(delay_of(decide_retry(p, attempt, 100, transient(),
                                constant(0.5))) == 45s);
  }
  CHECK(base_delay(fixed_backoff{0ms}, 7) == 0ms);
}

TEST_CASE("exponential without jitter doubles from 1 s up to the 1 h cap",
          "[retry_policy]") {
  retry_policy p;
  p.max_attempts = 20;
  duration expected = 1s;
  for (std::int32_t attempt = 1; attempt <= 12; ++attempt) {
    INFO("failed attempt " << attempt);
    CHECK(delay_of(decide_retry(p, attempt, 20, transient(), constant(0.5))) ==
          expected);
    expected *= 2;
  }
  CHECK(expected == 4096s);
  CHECK(delay_of(decide_retry(p, 13, 20, transient(), constant(0.5))) == 1h);
  CHECK(delay_of(decide_retry(p, 19, 20, transient(), constant(0.5))) == 1h);
}

TEST_CASE("fractional exponential delays round to whole milliseconds",
          "[retry_policy]") {
  const backoff b = exponential_backoff{1ms, 1.5, 1h};
  CHECK(base_delay(b, 1) == 1ms);
  CHECK(base_delay(b, 2) == 2ms);  // 1.5 ms
  CHECK(base_delay(b, 3) == 2ms);  // 2.25 ms
  CHECK(base_delay(b, 4) == 3ms);  // 3.375 ms
}

TEST_CASE("huge attempt numbers do not overflow", "[retry_policy]") {
  CHECK(base_delay(exponential_backoff{1s, 10.0, 1h}, 1000) == 1h);
  CHECK(base_delay(exponential_backoff{1s, 2.0, 1h}, int32_max) == 1h);
  CHECK(base_delay(exponential_backoff{1s, 1e300, 1h}, 3) == 1h);
  CHECK(base_delay(exponential_backoff{1s, 10.0, duration::max()}, 1000) ==
        duration::max());
  CHECK(base_delay(exponential_backoff{1s, 10.0, duration::max()}, 16) ==
        duration{1'000'000'000'000'000'000});
  CHECK(base_delay(schedule_backoff{{1s, 2s}}, int32_max) == 2s);

  retry_policy p;
  p.max_attempts = jobrt::max_attempts_limit;
  p.backoff = exponential_backoff{1s, 10.0, duration::max()};
  p.jitter = jitter{jitter_kind::proportional, 1.0};
  CHECK(delay_of(decide_retry(p, 999, 1000, transient(),
                              constant(almost_one))) == 24h);
}

TEST_CASE("attempt numbers below one count as the first failure",
          "[retry_policy]") {
  const backoff b = exponential_backoff{1s, 2.0, 1h};
  CHECK(base_delay(b, 0) == 1s);
  CHECK(base_delay(b, std::numeric_limits<std::int32_t>::min()) == 1s);
  CHECK(base_delay(schedule_backoff{{1min, 5min}}, -4) == 1min);
}

// --- randomness -------------------------------------------------------------

TEST_CASE("same seed gives the same sequence and different seeds differ",
          "[retry_policy]") {
  auto a = jobrt::seeded_unit_random(7);
  auto b = jobrt::seeded_unit_random(7);
  auto c = jobrt::seeded_unit_random(8);
  std::vector<double> from_a, from_b, from_c;
  for (int i = 0; i < 100; ++i) {
    from_a.push_back(a());
    from_b.push_back(b());
    from_c.push_back(c());
  }
  CHECK(from_a == from_b);
  CHECK(from_a != from_c);
  for (double u : from_a) {
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
  }

  const auto p = jittered_fixed(jitter_kind::full);
  auto first = jobrt::seeded_unit_random(11);
  auto second = jobrt::seeded_unit_random(11);
  for (std::int32_t attempt = 1; attempt <= 20; ++attempt)
    REQUIRE(decide_retry(p, attempt, 100, transient(), first).delay ==
            decide_retry(p, attempt, 100, transient(), second).delay);
}

TEST_CASE("copies of a seeded source share one sequence", "[retry_policy]") {
  auto original = jobrt::seeded_unit_random(5);
  auto copy = original;
  auto reference = jobrt::seeded_unit_random(5);
  const double r1 = reference();
  const double r2 = reference();
  CHECK(original() == r1);
  CHECK(copy() == r2);
}

// --- limits -----------------------------------------------------------------

TEST_CASE("job max_attempts lower than the rule limit wins",
          "[retry_policy]") {
  const auto p = not_found_policy();
  const auto r = constant(0.5);
  CHECK(delay_of(decide_retry(p, 3, 4, transient("not_found"), r)) == 120s);
  require_gives_up(decide_retry(p, 4, 4, transient("not_found"), r),
                   give_up_reason::attempts_exhausted);
  require_gives_up(decide_retry(p, 3, 3, transient("http_503"), r),
                   give_up_reason::attempts_exhausted);
  require_gives_up(decide_retry(p, 1, 0, transient("http_503"), r),
                   give_up_reason::attempts_exhausted);
}

TEST_CASE("attempt_ceiling is the largest limit of the policy and its rules",
          "[retry_policy]") {
  retry_policy p;
  CHECK(p.attempt_ceiling() == 5);
  p.rules.push_back(error_rule{"conflict", 3, std::nullopt, false});
  p.rules.push_back(error_rule{"gone", std::nullopt, std::nullopt, true});
  CHECK(p.attempt_ceiling() == 5);
  p.rules.push_back(error_rule{"not_found", 12, std::nullopt, false});
  p.rules.push_back(error_rule{"busy", 8, std::nullopt, false});
  CHECK(p.attempt_ceiling() == 12);
}

TEST_CASE("give_up_reason has a name for every reason", "[retry_policy]") {
  CHECK(jobrt::to_string(give_up_reason::permanent_error) ==
        "permanent_error");
  CHECK(jobrt::to_string(give_up_reason::never_retry_rule) ==
        "never_retry_rule");
  CHECK(jobrt::to_string(give_up_reason::attempts_exhausted) ==
        "attempts_exhausted");
}

// --- validate_policy --------------------------------------------------------

TEST_CASE("validate_policy accepts sensible policies", "[retry_policy]") {
  CHECK(accepted(retry_policy{}));
  CHECK(accepted(schedule_policy()));
  CHECK(accepted(two_to_the_n_policy()));
  CHECK(accepted(not_found_policy()));
  CHECK(accepted(jittered_fixed(jitter_kind::full, 0ms)));
  auto p = schedule_policy();
  p.backoff = schedule_backoff{{0ms, 1s}};
  p.max_attempts = jobrt::max_attempts_limit;
  p.jitter = jitter{jitter_kind::equal, 0.0};
  p.rules.push_back(error_rule{"gone", std::nullopt, std::nullopt, true});
  p.rules.push_back(error_rule{"busy", 1, fixed_backoff{1s}, false});
  CHECK(accepted(p));
}

TEST_CASE("validate_policy rejects max_attempts outside 1 to the limit",
          "[retry_policy]") {
  for (std::int32_t bad : {0, -1, jobrt::max_attempts_limit + 1}) {
    retry_policy p;
    p.max_attempts = bad;
    CHECK(rejection(p) == "max_attempts: must be between 1 and 1000");
  }
}

TEST_CASE("validate_policy rejects bad exponential backoff fields",
          "[retry_policy]") {
  using Catch::Matchers::StartsWith;
  auto with = [](exponential_backoff b) {
    retry_policy p;
    p.backoff = b;
    return p;
  };
  CHECK_THAT(rejection(with({0ms, 2.0, 1h})), StartsWith("backoff.base: "));
  CHECK_THAT(rejection(with({-1s, 2.0, 1h})), StartsWith("backoff.base: "));
  CHECK_THAT(rejection(with({1s, 0.5, 1h})), StartsWith("backoff.factor: "));
  CHECK_THAT(rejection(with({1s, std::nan(""), 1h})),
             StartsWith("backoff.factor: "));
  CHECK_THAT(rejection(with({1s, std::numeric_limits<double>::infinity(), 1h})),
             StartsWith("backoff.factor: "));
  CHECK_THAT(rejection(with({1s, 2.0, 0ms})), StartsWith("backoff.cap: "));
  CHECK(accepted(with({1s, 1.0, 1h})));
}

TEST_CASE("validate_policy rejects bad fixed and schedule backoff",
          "[retry_policy]") {
  retry_policy p;
  p.backoff = fixed_backoff{-1ms};
  CHECK(rejection(p) == "backoff.delay: must not be negative");
  p.backoff = schedule_backoff{};
  CHECK(rejection(p) == "backoff.steps: must hold at least one step");
  p.backoff = schedule_backoff{{1s, -1s, 2s}};
  CHECK(rejection(p) == "backoff.steps[1]: must not be negative");
}

TEST_CASE("validate_policy rejects a jitter proportion outside zero to one",
          "[retry_policy]") {
  using Catch::Matchers::StartsWith;
  retry_policy p;
  for (double bad : {-0.1, 1.5, std::nan("")}) {
    p.jitter = jitter{jitter_kind::proportional, bad};
    CHECK_THAT(rejection(p), StartsWith("jitter.proportion: "));
  }
  // Unused by other kinds, but a nonsense value is still reported.
  p.jitter = jitter{jitter_kind::full, 2.0};
  CHECK_THAT(rejection(p), StartsWith("jitter.proportion: "));
  for (double good : {0.0, 0.5, 1.0}) {
    p.jitter = jitter{jitter_kind::proportional, good};
    CHECK(accepted(p));
  }
  p.jitter = jitter{jitter_kind::equal, 0.3};
  CHECK(accepted(p));
}

TEST_CASE("validate_policy rejects a max_delay that is not positive",
          "[retry_policy]") {
  using Catch::Matchers::StartsWith;
  retry_policy p;
  p.max_delay = 0ms;
  CHECK_THAT(rejection(p), StartsWith("max_delay: "));
  p.max_delay = -1h;
  CHECK_THAT(rejection(p), StartsWith("max_delay: "));
}

TEST_CASE("validate_policy rejects bad rules naming their index",
          "[retry_policy]") {
  using Catch::Matchers::StartsWith;
  auto p = not_found_policy();
  p.rules.push_back(error_rule{"busy", 0, std::nullopt, false});
  CHECK(rejection(p) == "rules[1].max_attempts: must be between 1 and 1000");
  p.rules[1].max_attempts = jobrt::max_attempts_limit + 1;
  CHECK(rejection(p) == "rules[1].max_attempts: must be between 1 and 1000");
  p.rules[1].max_attempts = 2;
  REQUIRE(accepted(p));

  p.rules[0].code.clear();
  CHECK(rejection(p) == "rules[0].code: must not be empty");
  p.rules[0].code = "busy";
  CHECK(rejection(p) == "rules[1].code: duplicates rules[0].code");
  p.rules[0].code = "not_found";

  p.rules[1].backoff = schedule_backoff{};
  CHECK(rejection(p) == "rules[1].backoff.steps: must hold at least one step");
  p.rules[1].backoff = exponential_backoff{30s, 0.9, 1h};
  CHECK_THAT(rejection(p), StartsWith("rules[1].backoff.factor: "));
}
