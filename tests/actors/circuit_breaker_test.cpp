#include "jobrt/actors/circuit_breaker.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>

// Time is simulated: every call gets its `now`, and the tests pick instants
// on either side of each boundary the breaker promises.

namespace Catch {

template <>
struct StringMaker<jobrt::breaker_state> {
  static std::string convert(jobrt::breaker_state s) {
    return std::string(jobrt::to_string(s));
  }
};

template <>
struct StringMaker<jobrt::breaker_transition> {
  static std::string millis(jobrt::time_point t) {
    return std::to_string(t.time_since_epoch().count()) + "ms";
  }
  static std::string convert(const jobrt::breaker_transition& t) {
    return "{" + std::string(jobrt::to_string(t.from)) + " -> " +
           std::string(jobrt::to_string(t.to)) + " at " + millis(t.at) +
           ", trips " + std::to_string(t.trips) + ", reopen_at " +
           (t.reopen_at ? millis(*t.reopen_at) : std::string("none")) + "}";
  }
};

template <>
struct StringMaker<std::optional<jobrt::breaker_transition>> {
  static std::string
  convert(const std::optional<jobrt::breaker_transition>& t) {
    return t ? StringMaker<jobrt::breaker_transition>::convert(*t)
             : std::string("no transition");
  }
};

template <>
struct StringMaker<std::nullopt_t> {
  static std::string convert(std::nullopt_t) { return "no transition"; }
};

} // namespace Catch

namespace {

using namespace std::chrono_literals;
using jobrt::breaker_config;
using jobrt::breaker_state;
using jobrt::breaker_transition;
using jobrt::call_outcome;
using jobrt::circuit_breaker;
using jobrt::duration;
using jobrt::time_point;

constexpr auto no_change = std::nullopt;
using bs = breaker_state;

// Some day in 2024; nothing depends on the value.
const time_point t0{std::chrono::hours(24 * 19'800)};

breaker_config counting(std::int32_t calls, std::int32_t failures) {
  breaker_config c;
  c.window = jobrt::count_window{calls};
  c.threshold = jobrt::failure_count_threshold{failures};
  return c;
}

breaker_config rating(std::int32_t calls, double rate,
                      std::int32_t min_calls) {
  breaker_config c;
  c.window = jobrt::count_window{calls};
  c.threshold = jobrt::failure_rate_threshold{rate, min_calls};
  return c;
}

breaker_config timed(duration span, std::int32_t failures) {
  breaker_config c;
  c.window = jobrt::time_window{span};
  c.threshold = jobrt::failure_count_threshold{failures};
  return c;
}

// Trips on the first transient failure: for tests about what follows a trip.
breaker_config tripping_at_once(std::int32_t probes = 1,
                                double growth = 1.0,
                                duration max_cooldown = 10min) {
  auto c = counting(1, 1);
  c.cooldown = 30s;
  c.cooldown_growth = growth;
  c.max_cooldown = max_cooldown;
  c.probes = probes;
  return c;
}

std::optional<breaker_transition> fail(circuit_breaker& b, time_point at) {
  return b.record(call_outcome::transient_failure, at);
}

std::optional<breaker_transition> succeed(circuit_breaker& b, time_point at) {
  return b.record(call_outcome::success, at);
}

std::optional<breaker_transition> fail_permanently(circuit_breaker& b,
                                                   time_point at) {
  return b.record(call_outcome::ignored_failure, at);
}

breaker_transition opened(breaker_state from, time_point at,
                          std::int32_t trips, duration cooldown) {
  return {from, bs::open, at, trips, at + cooldown};
}

breaker_transition probing(time_point at, std::int32_t trips) {
  return {bs::open, bs::half_open, at, trips, std::nullopt};
}

breaker_transition closing(time_point at) {
  return {bs::half_open, bs::closed, at, 0, std::nullopt};
}

// Waits out the cooldown of an open breaker; returns when it went half-open.
time_point wait_out_cooldown(circuit_breaker& b) {
  REQUIRE(b.state() == bs::open);
  REQUIRE(b.reopen_at());
  const auto at = *b.reopen_at();
  REQUIRE(b.cooldown_elapsed(at));
  REQUIRE(b.state() == bs::half_open);
  return at;
}

// Admits and succeeds every probe of a half-open breaker.
time_point close_by_probes(circuit_breaker& b, time_point at) {
  for (std::int32_t i = 0; i < b.config().probes; ++i) {
    REQUIRE(b.try_admit());
    succeed(b, at);
  }
  REQUIRE(b.state() == bs::closed);
  return at;
}

} // namespace

// --- closed: count window and count threshold --------------------------------

TEST_CASE("count threshold trips exactly at the Nth transient failure") {
  circuit_breaker b{counting(10, 3)};
  CHECK(fail(b, t0) == no_change);
  CHECK(fail(b, t0 + 1s) == no_change);
  CHECK(b.state() == bs::closed);
  CHECK(b.try_admit());
  CHECK(fail(b, t0 + 2s) == opened(bs::closed, t0 + 2s, 1, 30s));
  CHECK(b.state() == bs::open);
  CHECK(b.trips() == 1);
  CHECK(b.reopen_at() == t0 + 32s);
}

TEST_CASE("count window lets interleaved successes push old failures out") {
  circuit_breaker b{counting(4, 3)};
  CHECK(fail(b, t0) == no_change);
  CHECK(fail(b, t0) == no_change);
  CHECK(succeed(b, t0) == no_change);
  CHECK(succeed(b, t0) == no_change);
  CHECK(succeed(b, t0) == no_change); // F S S S: the first failure is out
  // A third failure in all, but the second one leaves as it arrives.
  CHECK(fail(b, t0) == no_change);    // S S S F
  CHECK(fail(b, t0) == no_change);    // S S F F
  CHECK(b.state() == bs::closed);
  CHECK(fail(b, t0) == opened(bs::closed, t0, 1, 30s)); // S F F F
}

TEST_CASE("successes alone never trip a count threshold") {
  circuit_breaker b{counting(3, 1)};
  for (int i = 0; i < 100; ++i)
    REQUIRE(succeed(b, t0 + std::chrono::seconds(i)) == no_change);
  CHECK(b.state() == bs::closed);
  CHECK(fail(b, t0 + 100s) == opened(bs::closed, t0 + 100s, 1, 30s));
}

// --- closed: failure rate ----------------------------------------------------

TEST_CASE("rate threshold does not trip below min_calls even at 100 percent") {
  circuit_breaker b{rating(20, 0.5, 5)};
  for (int i = 0; i < 4; ++i)
    REQUIRE(fail(b, t0) == no_change);
  CHECK(b.state() == bs::closed);
  CHECK(fail(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s));
}

TEST_CASE("rate threshold trips at min_calls when the rate is reached") {
  // 0.3 is not a binary fraction: 3 of 10 must still count as reaching it.
  circuit_breaker b{rating(10, 0.3, 10)};
  for (int i = 0; i < 7; ++i)
    REQUIRE(succeed(b, t0) == no_change);
  CHECK(fail(b, t0) == no_change);
  CHECK(fail(b, t0) == no_change); // 2 of 9: below min_calls anyway
  CHECK(fail(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s)); // 3 of 10
}

TEST_CASE("rate threshold does not trip just below the rate") {
  circuit_breaker b{rating(100, 0.3, 100)};
  for (int i = 0; i < 71; ++i)
    REQUIRE(succeed(b, t0) == no_change);
  for (int i = 0; i < 29; ++i)
    REQUIRE(fail(b, t0) == no_change);
  CHECK(b.state() == bs::closed); // 29 of 100
  // One more failure pushes out a success: 30 of 100.
  CHECK(fail(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s));
}

TEST_CASE("rate threshold is judged on the success that reaches min_calls") {
  // The threshold is a property of the window, not of the last outcome: the
  // window that first becomes large enough may already be failing enough.
  circuit_breaker b{rating(10, 0.5, 4)};
  CHECK(fail(b, t0) == no_change);
  CHECK(fail(b, t0) == no_change);
  CHECK(succeed(b, t0) == no_change);
  CHECK(succeed(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s)); // 2 of 4
}

TEST_CASE("rate threshold over a count window judges only the last calls") {
  circuit_breaker b{rating(4, 0.75, 4)};
  for (int i = 0; i < 2; ++i)
    REQUIRE(fail(b, t0) == no_change);
  for (int i = 0; i < 4; ++i)
    REQUIRE(succeed(b, t0) == no_change);
  // Counting every outcome, the last failure would make 5 of 9, below 0.75.
  for (int i = 0; i < 2; ++i)
    REQUIRE(fail(b, t0) == no_change);
  CHECK(fail(b, t0) == opened(bs::closed, t0, 1, 30s)); // S F F F
}

// --- closed: permanent failures ----------------------------------------------

TEST_CASE("a long burst of permanent failures keeps the breaker closed") {
  circuit_breaker b{counting(5, 1)};
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(fail_permanently(b, t0 + std::chrono::milliseconds(i)) ==
            no_change);
    REQUIRE(b.try_admit());
  }
  CHECK(b.state() == bs::closed);
  // The threshold is live: a single transient failure trips it.
  CHECK(fail(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s));
}

TEST_CASE("permanent failures do not count towards min_calls") {
  // Were they in the window, 3 of 4 would reach 0.3 after the first one.
  circuit_breaker b{rating(10, 0.3, 4)};
  for (int i = 0; i < 3; ++i)
    REQUIRE(fail(b, t0) == no_change);
  for (int i = 0; i < 5; ++i)
    REQUIRE(fail_permanently(b, t0) == no_change);
  CHECK(b.state() == bs::closed);
  CHECK(succeed(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s)); // 3 of 4
}

TEST_CASE("permanent failures do not push failures out of a count window") {
  circuit_breaker b{counting(3, 3)};
  CHECK(fail(b, t0) == no_change);
  CHECK(fail(b, t0) == no_change);
  for (int i = 0; i < 10; ++i)
    REQUIRE(fail_permanently(b, t0) == no_change);
  CHECK(fail(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s));
}

TEST_CASE("permanent failures do not dilute the failure rate") {
  // Were they in the window, 4 of 24 would stay far below 0.75.
  circuit_breaker b{rating(100, 0.75, 4)};
  for (int i = 0; i < 3; ++i)
    REQUIRE(fail(b, t0) == no_change);
  for (int i = 0; i < 20; ++i)
    REQUIRE(fail_permanently(b, t0) == no_change);
  CHECK(fail(b, t0 + 1s) == opened(bs::closed, t0 + 1s, 1, 30s)); // 4 of 4
}

// --- closed: time window -----------------------------------------------------

TEST_CASE("time window forgets failures older than the span") {
  circuit_breaker b{timed(10s, 3)};
  CHECK(fail(b, t0) == no_change);
  CHECK(fail(b, t0 + 1s) == no_change);
  // The failure at t0 is 10.5 s old: only two remain.
  CHECK(fail(b, t0 + 10500ms) == no_change);
  CHECK(b.state() == bs::closed);
  // The failure at t0 + 1 s is 9.9 s old: three in the window.
  CHECK(fail(b, t0 + 10900ms) == opened(bs::closed, t0 + 10900ms, 1, 30s));
}

TEST_CASE("time window burst straddling the boundary does not trip") {
  // Six failures in 11 s, but never five within any 10 s.
  circuit_breaker b{timed(10s, 5)};
  for (auto at : {t0, t0 + 500ms, t0 + 1s, t0 + 10500ms, t0 + 10800ms,
                  t0 + 11s})
    REQUIRE(fail(b, at) == no_change);
  CHECK(b.state() == bs::closed);
}

TEST_CASE("time window trips on the same burst when it fits in the span") {
  circuit_breaker b{timed(10s, 5)};
  for (auto at : {t0, t0 + 500ms, t0 + 1s, t0 + 8500ms})
    REQUIRE(fail(b, at) == no_change);
  CHECK(fail(b, t0 + 8800ms) == opened(bs::closed, t0 + 8800ms, 1, 30s));
}

TEST_CASE("time window excludes an outcome exactly one span old") {
  // The window is (now - span, now]: at exactly `span` an outcome is out.
  circuit_breaker exactly{timed(10s, 2)};
  CHECK(fail(exactly, t0) == no_change);
  CHECK(fail(exactly, t0 + 10s) == no_change);
  CHECK(exactly.state() == bs::closed);

  circuit_breaker just_inside{timed(10s, 2)};
  CHECK(fail(just_inside, t0) == no_change);
  CHECK(fail(just_inside, t0 + 9999ms) ==
        opened(bs::closed, t0 + 9999ms, 1, 30s));
}

TEST_CASE("time window counts many outcomes of one instant and forgets them "
          "together") {
  breaker_config c = timed(10s, 1);
  c.threshold = jobrt::failure_rate_threshold{0.5, 100};
  circuit_breaker b{c};
  for (int i = 0; i < 1000; ++i)
    REQUIRE(succeed(b, t0) == no_change);
  // 999 failures at the next instant stay below half of 1,999 calls...
  for (int i = 0; i < 999; ++i)
    REQUIRE(fail(b, t0 + 1ms) == no_change);
  // ...and the 1,000th reaches it.
  CHECK(fail(b, t0 + 1ms) == opened(bs::closed, t0 + 1ms, 1, 30s));

  circuit_breaker later{c};
  for (int i = 0; i < 1000; ++i)
    REQUIRE(succeed(later, t0) == no_change);
  // Once the instant is a span old, all 1,000 successes leave at once: the
  // failures that follow are judged alone.
  for (int i = 0; i < 99; ++i)
    REQUIRE(fail(later, t0 + 10s) == no_change);
  CHECK(fail(later, t0 + 10s) == opened(bs::closed, t0 + 10s, 1, 30s));
}

TEST_CASE("rate threshold over a time window counts only recent outcomes") {
  breaker_config c = timed(10s, 1);
  c.threshold = jobrt::failure_rate_threshold{0.5, 4};
  circuit_breaker b{c};
  // Old successes would hold the rate down if they were still counted.
  for (int i = 0; i < 10; ++i)
    REQUIRE(succeed(b, t0) == no_change);
  CHECK(fail(b, t0 + 20s) == no_change);
  CHECK(fail(b, t0 + 21s) == no_change);
  CHECK(succeed(b, t0 + 22s) == no_change);
  CHECK(fail(b, t0 + 23s) == opened(bs::closed, t0 + 23s, 1, 30s)); // 3 of 4
}

// --- open --------------------------------------------------------------------

TEST_CASE("open breaker refuses admission") {
  circuit_breaker b{tripping_at_once()};
  REQUIRE(fail(b, t0));
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(b.try_admit());
  CHECK(b.state() == bs::open);
}

TEST_CASE("open breaker ignores late results") {
  circuit_breaker b{tripping_at_once(2)};
  REQUIRE(fail(b, t0));
  for (int i = 0; i < 5; ++i) {
    CHECK(succeed(b, t0 + 1s) == no_change);
    CHECK(fail(b, t0 + 1s) == no_change);
    CHECK(fail_permanently(b, t0 + 1s) == no_change);
  }
  CHECK(b.state() == bs::open);
  CHECK(b.trips() == 1);
  CHECK(b.reopen_at() == t0 + 30s);
  // Nothing carried over into the probes either.
  wait_out_cooldown(b);
  REQUIRE(b.try_admit());
  CHECK(succeed(b, t0 + 31s) == no_change);
  CHECK(b.state() == bs::half_open);
}

TEST_CASE("cooldown_elapsed before reopen_at does nothing") {
  circuit_breaker b{tripping_at_once()};
  REQUIRE(fail(b, t0));
  CHECK(b.cooldown_elapsed(t0) == no_change);
  CHECK(b.cooldown_elapsed(t0 + 30s - 1ms) == no_change);
  CHECK(b.state() == bs::open);
  CHECK(b.reopen_at() == t0 + 30s);
  CHECK_FALSE(b.try_admit());
}

TEST_CASE("cooldown_elapsed at reopen_at moves to half-open") {
  circuit_breaker b{tripping_at_once()};
  REQUIRE(fail(b, t0));
  CHECK(b.cooldown_elapsed(t0 + 30s) == probing(t0 + 30s, 1));
  CHECK(b.state() == bs::half_open);
  CHECK(b.reopen_at() == std::nullopt);
  CHECK(b.trips() == 1); // still counting trips until it closes
}

TEST_CASE("cooldown_elapsed after reopen_at moves to half-open") {
  circuit_breaker b{tripping_at_once()};
  REQUIRE(fail(b, t0));
  CHECK(b.cooldown_elapsed(t0 + 1h) == probing(t0 + 1h, 1));
  CHECK(b.state() == bs::half_open);
  // A second, late timer does not start a new round of probes.
  REQUIRE(b.try_admit());
  CHECK(b.cooldown_elapsed(t0 + 2h) == no_change);
  CHECK_FALSE(b.try_admit());
}

TEST_CASE("cooldown_elapsed on a closed breaker does nothing") {
  circuit_breaker b{tripping_at_once()};
  CHECK(b.cooldown_elapsed(t0 + 1h) == no_change);
  CHECK(b.state() == bs::closed);
}

// --- half-open ---------------------------------------------------------------

TEST_CASE("half-open admits exactly the configured number of probes") {
  circuit_breaker b{tripping_at_once(3)};
  REQUIRE(fail(b, t0));
  wait_out_cooldown(b);
  CHECK(b.try_admit());
  CHECK(b.try_admit());
  CHECK(b.try_admit());
  CHECK_FALSE(b.try_admit());
  CHECK_FALSE(b.try_admit());
  CHECK(b.state() == bs::half_open);
}

TEST_CASE("half-open closes when all probes succeed") {
  circuit_breaker b{tripping_at_once(3)};
  REQUIRE(fail(b, t0));
  const auto at = wait_out_cooldown(b);
  for (int i = 0; i < 3; ++i)
    REQUIRE(b.try_admit());
  CHECK(succeed(b, at + 1s) == no_change);
  CHECK(succeed(b, at + 2s) == no_change);
  CHECK(b.state() == bs::half_open);
  CHECK(succeed(b, at + 3s) == closing(at + 3s));
  CHECK(b.state() == bs::closed);
  CHECK(b.trips() == 0);
  CHECK(b.reopen_at() == std::nullopt);
  for (int i = 0; i < 10; ++i)
    CHECK(b.try_admit()); // no probe limit once closed
}

TEST_CASE("transient failure in half-open reopens from that moment") {
  circuit_breaker b{tripping_at_once(3)};
  REQUIRE(fail(b, t0));
  const auto at = wait_out_cooldown(b);
  for (int i = 0; i < 3; ++i)
    REQUIRE(b.try_admit());
  CHECK(succeed(b, at + 1s) == no_change);
  CHECK(succeed(b, at + 2s) == no_change);
  CHECK(fail(b, at + 5s) == opened(bs::half_open, at + 5s, 2, 30s));
  CHECK(b.state() == bs::open);
  CHECK(b.reopen_at() == at + 35s);
  CHECK_FALSE(b.try_admit());
}

TEST_CASE("probe successes before a reopen do not carry over") {
  circuit_breaker b{tripping_at_once(2)};
  REQUIRE(fail(b, t0));
  auto at = wait_out_cooldown(b);
  REQUIRE(b.try_admit());
  REQUIRE(succeed(b, at) == no_change);
  REQUIRE(b.try_admit());
  REQUIRE(fail(b, at));
  at = wait_out_cooldown(b);
  // A fresh round: both slots are free and both probes must succeed again.
  REQUIRE(b.try_admit());
  REQUIRE(b.try_admit());
  CHECK_FALSE(b.try_admit());
  CHECK(succeed(b, at) == no_change);
  CHECK(succeed(b, at) == closing(at));
}

TEST_CASE("permanent failure in half-open returns the probe slot") {
  circuit_breaker b{tripping_at_once(1)};
  REQUIRE(fail(b, t0));
  const auto at = wait_out_cooldown(b);
  REQUIRE(b.try_admit());
  REQUIRE_FALSE(b.try_admit());
  CHECK(fail_permanently(b, at + 1s) == no_change);
  CHECK(b.state() == bs::half_open); // neutral: neither closes nor reopens
  CHECK(b.try_admit());
  CHECK_FALSE(b.try_admit());
  CHECK(succeed(b, at + 2s) == closing(at + 2s));
}

TEST_CASE("permanent failure in half-open never frees more than the probes") {
  circuit_breaker b{tripping_at_once(2)};
  REQUIRE(fail(b, t0));
  const auto at = wait_out_cooldown(b);
  // Results of jobs that took no slot (dispatched before the trip) must not
  // open extra slots.
  for (int i = 0; i < 5; ++i)
    REQUIRE(fail_permanently(b, at) == no_change);
  CHECK(b.try_admit());
  CHECK(b.try_admit());
  CHECK_FALSE(b.try_admit());
}

// --- cooldown growth ---------------------------------------------------------

TEST_CASE("cooldown grows on repeated trips") {
  circuit_breaker b{tripping_at_once(1, 2.0)};
  CHECK(fail(b, t0) == opened(bs::closed, t0, 1, 30s));
  auto at = wait_out_cooldown(b);
  REQUIRE(b.try_admit());
  CHECK(fail(b, at) == opened(bs::half_open, at, 2, 60s));
  at = wait_out_cooldown(b);
  REQUIRE(b.try_admit());
  CHECK(fail(b, at) == opened(bs::half_open, at, 3, 120s));
}

TEST_CASE("cooldown growth is capped at max_cooldown") {
  circuit_breaker b{tripping_at_once(1, 2.0, 100s)};
  CHECK(fail(b, t0) == opened(bs::closed, t0, 1, 30s));
  for (std::int32_t trips : {2, 3, 4}) {
    const auto at = wait_out_cooldown(b);
    REQUIRE(b.try_admit());
    const auto expected = trips == 2 ? duration{60s} : duration{100s};
    CHECK(fail(b, at) == opened(bs::half_open, at, trips, expected));
  }
}

TEST_CASE("cooldown growth saturates after very many trips") {
  circuit_breaker b{tripping_at_once(1, 10.0, 1000h)};
  REQUIRE(fail(b, t0));
  for (int i = 0; i < 400; ++i) { // 10^400 overflows a double
    const auto at = wait_out_cooldown(b);
    REQUIRE(b.try_admit());
    REQUIRE(fail(b, at));
  }
  CHECK(b.trips() == 401);
  const auto at = wait_out_cooldown(b);
  REQUIRE(b.try_admit());
  CHECK(fail(b, at) == opened(bs::half_open, at, 402, 1000h));
}

TEST_CASE("reopen_at saturates at the end of representable time") {
  circuit_breaker b{tripping_at_once()};
  const auto late = time_point::max() - 1s;
  CHECK(fail(b, late) ==
        breaker_transition{bs::closed, bs::open, late, 1, time_point::max()});
  CHECK(b.cooldown_elapsed(late + 999ms) == no_change);
  CHECK(b.cooldown_elapsed(time_point::max()) ==
        probing(time_point::max(), 1));
}

TEST_CASE("closing resets the cooldown growth") {
  circuit_breaker b{tripping_at_once(1, 2.0)};
  REQUIRE(fail(b, t0));
  auto at = wait_out_cooldown(b);
  REQUIRE(b.try_admit());
  REQUIRE(fail(b, at) == opened(bs::half_open, at, 2, 60s));
  at = close_by_probes(b, wait_out_cooldown(b));
  CHECK(b.trips() == 0);
  CHECK(fail(b, at + 1s) == opened(bs::closed, at + 1s, 1, 30s));
}

TEST_CASE("closing starts from an empty window") {
  auto c = counting(10, 3);
  c.cooldown = 30s;
  circuit_breaker b{c};
  REQUIRE(fail(b, t0) == no_change);
  REQUIRE(fail(b, t0) == no_change);
  REQUIRE(fail(b, t0));
  const auto at = close_by_probes(b, wait_out_cooldown(b));
  // The failures that tripped it are gone.
  CHECK(fail(b, at + 1s) == no_change);
  CHECK(fail(b, at + 2s) == no_change);
  CHECK(fail(b, at + 3s) == opened(bs::closed, at + 3s, 1, 30s));
}

// --- transitions as a whole --------------------------------------------------

// Drives a breaker with a long pseudo-random script and checks after every
// call that a transition is returned exactly when the state changed, and that
// it describes the change.
TEST_CASE("every state change returns a matching transition and nothing else") {
  auto c = counting(5, 2);
  c.cooldown = 10s;
  c.cooldown_growth = 2.0;
  c.max_cooldown = 60s;
  c.probes = 2;
  circuit_breaker b{c};
  std::mt19937 rng{2026}; // raw output is fixed by the standard
  std::array<int, 4> seen{}; // trip, reopen, probe, close
  auto now = t0;

  for (int step = 0; step < 5000; ++step) {
    INFO("step " << step);
    now += std::chrono::milliseconds(rng() % 5000);
    const auto before = b.state();
    std::optional<breaker_transition> change;
    switch (rng() % 4) {
      case 0: b.try_admit(); break;
      case 1: change = b.cooldown_elapsed(now); break;
      default: {
        static constexpr std::array outcomes{
            call_outcome::success, call_outcome::success,
            call_outcome::transient_failure, call_outcome::ignored_failure};
        change = b.record(outcomes[rng() % outcomes.size()], now);
      }
    }
    REQUIRE((b.reopen_at().has_value()) == (b.state() == bs::open));
    if (!change) {
      REQUIRE(b.state() == before);
      continue;
    }
    REQUIRE(change->from == before);
    REQUIRE(change->to == b.state());
    REQUIRE(change->from != change->to);
    REQUIRE(change->at == now);
    REQUIRE(change->trips == b.trips());
    REQUIRE(change->reopen_at == b.reopen_at());
    if (change->to == bs::open) {
      const auto cooldown = std::min<duration>(
          10s * (std::int64_t{1} << std::min(change->trips - 1, 10)), 60s);
      REQUIRE(change->reopen_at == now + cooldown);
      ++seen[change->from == bs::closed ? 0 : 1];
    } else {
      ++seen[change->to == bs::half_open ? 2 : 3];
    }
  }
  // The script must have exercised every kind of transition.
  CHECK(seen[0] > 0);
  CHECK(seen[1] > 0);
  CHECK(seen[2] > 0);
  CHECK(seen[3] > 0);
}

// --- vocabulary --------------------------------------------------------------

TEST_CASE("breaker states have lower-case names") {
  CHECK(jobrt::to_string(bs::closed) == "closed");
  CHECK(jobrt::to_string(bs::open) == "open");
  CHECK(jobrt::to_string(bs::half_open) == "half_open");
}

TEST_CASE("outcome_of counts transient and timeout failures only") {
  using jobrt::error_kind;
  using jobrt::outcome_of;
  STATIC_REQUIRE(outcome_of(error_kind::transient) ==
                 call_outcome::transient_failure);
  STATIC_REQUIRE(outcome_of(error_kind::timeout) ==
                 call_outcome::transient_failure);
  STATIC_REQUIRE(outcome_of(error_kind::abandoned) ==
                 call_outcome::ignored_failure);
  STATIC_REQUIRE(outcome_of(error_kind::permanent) ==
                 call_outcome::ignored_failure);
}

TEST_CASE("attempts abandoned by a crash at recovery never trip the breaker") {
  // Recovery fails every attempt the dead process left running at once; that
  // burst says nothing about the dependency.
  circuit_breaker b(counting(5, 2));
  for (int i = 0; i < 10; ++i)
    CHECK(b.record(jobrt::outcome_of(jobrt::error_kind::abandoned), t0) ==
          no_change);
  CHECK(b.state() == bs::closed);
}

// --- validation --------------------------------------------------------------

namespace {

std::string rejection(const breaker_config& c) {
  const auto r = jobrt::validate_breaker_config(c);
  return r ? std::string("accepted") : r.error().message();
}

breaker_config rate_config(double rate, std::int32_t min_calls = 10) {
  return rating(20, rate, min_calls);
}

breaker_config cooldown_config(duration cooldown, double growth,
                               duration max_cooldown) {
  breaker_config c;
  c.cooldown = cooldown;
  c.cooldown_growth = growth;
  c.max_cooldown = max_cooldown;
  return c;
}

breaker_config with_probes(std::int32_t probes) {
  breaker_config c;
  c.probes = probes;
  return c;
}

} // namespace

TEST_CASE("validate_breaker_config accepts sound configs") {
  CHECK(rejection(breaker_config{}) == "accepted");
  // The edges of every range are allowed.
  CHECK(rejection(counting(1, 1)) == "accepted");
  CHECK(rejection(timed(1ms, 1)) == "accepted");
  CHECK(rejection(rating(1, 1.0, 1)) == "accepted");
  CHECK(rejection(rate_config(1e-9)) == "accepted");
  CHECK(rejection(cooldown_config(1ms, 1.0, 1ms)) == "accepted");
  CHECK(rejection(with_probes(1)) == "accepted");
  // A time window holds any number of outcomes.
  auto c = timed(1s, 1000);
  c.threshold = jobrt::failure_rate_threshold{0.5, 1000};
  CHECK(rejection(c) == "accepted");
}

TEST_CASE("validate_breaker_config rejects a bad window") {
  CHECK(rejection(counting(0, 1)) == "window.calls: must be at least 1");
  CHECK(rejection(counting(-3, 1)) == "window.calls: must be at least 1");
  CHECK(rejection(timed(0ms, 1)) == "window.span: must be positive");
  CHECK(rejection(timed(-1s, 1)) == "window.span: must be positive");
}

TEST_CASE("validate_breaker_config rejects a bad failure count") {
  CHECK(rejection(counting(10, 0)) ==
        "threshold.failures: must be at least 1");
  CHECK(rejection(timed(1s, -1)) == "threshold.failures: must be at least 1");
}

TEST_CASE("validate_breaker_config rejects a bad failure rate") {
  const auto message = "threshold.rate: must be above 0 and at most 1";
  CHECK(rejection(rate_config(0.0)) == message);
  CHECK(rejection(rate_config(-0.5)) == message);
  CHECK(rejection(rate_config(1.0001)) == message);
  CHECK(rejection(rate_config(std::nan(""))) == message);
  CHECK(rejection(rate_config(std::numeric_limits<double>::infinity())) ==
        message);
}

TEST_CASE("validate_breaker_config rejects a bad min_calls") {
  CHECK(rejection(rate_config(0.5, 0)) ==
        "threshold.min_calls: must be at least 1");
}

TEST_CASE("validate_breaker_config rejects thresholds beyond a count window") {
  // Such a breaker could never trip, which is worse than no breaker: it
  // looks like protection.
  CHECK(rejection(counting(4, 5)) ==
        "threshold.failures: must not exceed window.calls");
  CHECK(rejection(rating(4, 0.5, 5)) ==
        "threshold.min_calls: must not exceed window.calls");
}

TEST_CASE("validate_breaker_config rejects a bad cooldown") {
  CHECK(rejection(cooldown_config(0ms, 1.0, 1s)) ==
        "cooldown: must be positive");
  CHECK(rejection(cooldown_config(-1s, 1.0, 1s)) ==
        "cooldown: must be positive");
}

TEST_CASE("validate_breaker_config rejects a bad cooldown_growth") {
  const auto message = "cooldown_growth: must be a finite number of at least 1";
  CHECK(rejection(cooldown_config(1s, 0.99, 1min)) == message);
  CHECK(rejection(cooldown_config(1s, 0.0, 1min)) == message);
  CHECK(rejection(cooldown_config(1s, std::nan(""), 1min)) == message);
  CHECK(rejection(cooldown_config(
            1s, std::numeric_limits<double>::infinity(), 1min)) == message);
}

TEST_CASE("validate_breaker_config rejects max_cooldown below cooldown") {
  CHECK(rejection(cooldown_config(30s, 2.0, 29999ms)) ==
        "max_cooldown: must be at least cooldown");
}

TEST_CASE("validate_breaker_config rejects a bad probe count") {
  CHECK(rejection(with_probes(0)) == "probes: must be at least 1");
  CHECK(rejection(with_probes(-1)) == "probes: must be at least 1");
}
