#include "jobrt/actors/breaker_admission.hpp"
#include "jobrt/actors/circuit_breaker.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>

// breaker_admission on its own (who may pass one breaker key in each
// state), then against the real circuit_breaker, which admits through it.

namespace {

using namespace std::chrono_literals;
using jobrt::breaker_admission;
using jobrt::breaker_state;
using jobrt::call_outcome;
using jobrt::circuit_breaker;
using jobrt::time_point;

constexpr auto unbounded = std::numeric_limits<std::int32_t>::max();

const time_point t0{std::chrono::hours(24 * 19'900)};

breaker_admission half_open_with(std::int32_t probes) {
  breaker_admission a;
  a.enter(breaker_state::half_open, probes);
  return a;
}

/// Takes every slot left; returns how many it took (at most `cap`).
std::int32_t drain(breaker_admission& a, std::int32_t cap = 1000) {
  std::int32_t taken = 0;
  while (taken < cap && a.try_admit())
    ++taken;
  return taken;
}

} // namespace

// --- breaker_admission alone -------------------------------------------------

TEST_CASE("breaker admission starts closed and lets everything pass",
          "[breaker]") {
  breaker_admission a;
  CHECK(a.state() == breaker_state::closed);
  CHECK(a.allowance() == unbounded);
  CHECK(a.admits());
  for (int i = 0; i < 1000; ++i)
    REQUIRE(a.try_admit());
  // Admitting while closed takes nothing.
  CHECK(a.allowance() == unbounded);
}

TEST_CASE("breaker admission while open lets nothing pass, whatever the "
          "probe count",
          "[breaker]") {
  breaker_admission a;
  a.enter(breaker_state::open, 5);
  CHECK(a.state() == breaker_state::open);
  CHECK(a.allowance() == 0);
  CHECK_FALSE(a.admits());
  CHECK_FALSE(a.try_admit());
  a.give_back(); // no slot to give back while open
  CHECK(a.allowance() == 0);
  CHECK_FALSE(a.try_admit());
}

TEST_CASE("breaker admission in half-open lets exactly `probes` pass",
          "[breaker]") {
  auto a = half_open_with(3);
  CHECK(a.state() == breaker_state::half_open);
  CHECK(a.allowance() == 3);
  CHECK(a.try_admit());
  CHECK(a.allowance() == 2);
  CHECK(a.try_admit());
  CHECK(a.allowance() == 1);
  CHECK(a.try_admit());
  CHECK(a.allowance() == 0);
  CHECK_FALSE(a.admits());
  CHECK_FALSE(a.try_admit());
  CHECK(a.allowance() == 0); // a refused admit takes nothing
}

TEST_CASE("breaker admission give_back returns one taken probe slot",
          "[breaker]") {
  auto a = half_open_with(2);
  REQUIRE(drain(a) == 2);
  a.give_back();
  CHECK(a.allowance() == 1);
  CHECK(a.try_admit());
  CHECK_FALSE(a.try_admit());
}

TEST_CASE("breaker admission give_back never raises the allowance above the "
          "probe count",
          "[breaker]") {
  auto a = half_open_with(2);
  a.give_back(); // nothing was taken yet
  CHECK(a.allowance() == 2);
  REQUIRE(a.try_admit());
  for (int i = 0; i < 5; ++i)
    a.give_back();
  CHECK(a.allowance() == 2);
  CHECK(drain(a) == 2);
}

TEST_CASE("breaker admission give_back while closed changes nothing",
          "[breaker]") {
  breaker_admission a;
  a.enter(breaker_state::closed, 4);
  a.give_back();
  CHECK(a.allowance() == unbounded);
  CHECK(a.state() == breaker_state::closed);
}

TEST_CASE("breaker admission re-entering half-open refills the probes with "
          "the new count",
          "[breaker]") {
  auto a = half_open_with(2);
  REQUIRE(drain(a) == 2);
  a.enter(breaker_state::open, 0);
  CHECK(a.allowance() == 0);
  a.enter(breaker_state::half_open, 4);
  CHECK(a.allowance() == 4);
  REQUIRE(drain(a) == 4);
  // The cap follows the latest count too.
  for (int i = 0; i < 10; ++i)
    a.give_back();
  CHECK(a.allowance() == 4);
}

TEST_CASE("breaker admission leaving half-open drops the slots it had left",
          "[breaker]") {
  auto a = half_open_with(3);
  REQUIRE(a.try_admit());
  a.enter(breaker_state::open, 3);
  CHECK(a.allowance() == 0);
  a.give_back(); // a probe of the old round returns: still nothing
  CHECK_FALSE(a.admits());
  a.enter(breaker_state::closed, 3);
  CHECK(a.allowance() == unbounded);
}

TEST_CASE("breaker admission in half-open with no probes admits nothing",
          "[breaker]") {
  auto a = half_open_with(0);
  CHECK(a.allowance() == 0);
  CHECK_FALSE(a.try_admit());
  a.give_back();
  CHECK_FALSE(a.try_admit());
}

// --- circuit_breaker admits through it ---------------------------------------

namespace {

// Trips on the first transient failure, probes `probes` times.
jobrt::breaker_config trips_at_once(std::int32_t probes) {
  jobrt::breaker_config c;
  c.window = jobrt::count_window{1};
  c.threshold = jobrt::failure_count_threshold{1};
  c.cooldown = 1s;
  c.probes = probes;
  return c;
}

} // namespace

TEST_CASE("circuit breaker in half-open admits exactly its probes and an "
          "ignored failure frees one slot",
          "[breaker]") {
  circuit_breaker b{trips_at_once(3)};
  REQUIRE(b.record(call_outcome::transient_failure, t0));
  CHECK_FALSE(b.try_admit()); // open
  REQUIRE(b.cooldown_elapsed(t0 + 1s));
  REQUIRE(b.state() == breaker_state::half_open);
  CHECK(b.try_admit());
  CHECK(b.try_admit());
  CHECK(b.try_admit());
  CHECK_FALSE(b.try_admit());
  // Two probes tell nothing: two others may take their places, no more.
  CHECK_FALSE(b.record(call_outcome::ignored_failure, t0 + 2s));
  CHECK_FALSE(b.record(call_outcome::ignored_failure, t0 + 2s));
  CHECK(b.try_admit());
  CHECK(b.try_admit());
  CHECK_FALSE(b.try_admit());
  // A success is no give-back: its slot stays taken.
  CHECK_FALSE(b.record(call_outcome::success, t0 + 3s));
  CHECK_FALSE(b.try_admit());
}

TEST_CASE("circuit breaker and a breaker admission fed its transitions admit "
          "alike",
          "[breaker]") {
  // The dispatch gate keeps a breaker_admission per key, fed by the breaker
  // actor's transitions. Over a long scripted life the two must agree on
  // every admission, or dispatch and the breaker would disagree on probes.
  constexpr std::int32_t probes = 2;
  circuit_breaker b{trips_at_once(probes)};
  breaker_admission mirror;
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> step(0, 4);
  auto now = t0;
  int half_open_rounds = 0;
  for (int i = 0; i < 2000; ++i) {
    now += 100ms;
    std::optional<jobrt::breaker_transition> t;
    switch (step(rng)) {
      case 0: {
        const bool admitted = b.try_admit();
        REQUIRE(admitted == mirror.try_admit());
        break;
      }
      case 1: t = b.record(call_outcome::success, now); break;
      case 2: t = b.record(call_outcome::transient_failure, now); break;
      case 3:
        t = b.record(call_outcome::ignored_failure, now);
        if (b.state() == breaker_state::half_open)
          mirror.give_back(); // as the supervisor gives back an ignored probe
        break;
      default: t = b.cooldown_elapsed(now); break;
    }
    if (t) {
      mirror.enter(t->to, probes);
      half_open_rounds += t->to == breaker_state::half_open ? 1 : 0;
    }
    REQUIRE(mirror.state() == b.state());
  }
  // The script did reach half-open often enough to mean something.
  CHECK(half_open_rounds > 20);
}
