#include "jobrt/actors/rate_limiter.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <vector>

// Counts every allocation of this test binary, so that the dispatch path's
// promise (no allocation per call) is checked, not assumed.
namespace {
std::atomic<std::size_t> allocations{0};
} // namespace

// Every operator new whose memory the plain operator delete frees is
// replaced, so malloc and free pair up (a sanitizer's runtime defines the
// others, and frees what they return itself). GCC takes the free() for one
// of a new'd pointer: it does not see that these replace the globals.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new(std::size_t size) {
  if (void* p = operator new(size, std::nothrow))
    return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using namespace std::chrono_literals;
using jobrt::duration;
using jobrt::rate_decision;
using jobrt::rate_keys;
using jobrt::rate_limit;
using jobrt::rate_limiter;
using jobrt::rate_scope;
using jobrt::time_point;

constexpr auto type = rate_scope::job_type;
constexpr auto queue = rate_scope::queue;
constexpr auto breaker = rate_scope::breaker_key;

time_point ms(std::int64_t n) { return time_point(duration(n)); }

const time_point start = ms(1'767'225'600'000); // 2026-01-01 00:00 UTC

rate_limiter limited(rate_scope scope, const std::string& name,
                     rate_limit limit) {
  rate_limiter limiter;
  REQUIRE(limiter.set_limit(scope, name, limit));
  return limiter;
}

/// Starts admitted in each second of a simulated minute, by a dispatcher
/// that asks every millisecond and starts all it may.
std::vector<int> greedy_minute(rate_limiter& limiter, std::vector<time_point>* at = nullptr) {
  std::vector<int> per_second(60, 0);
  for (auto now = start; now < start + 60s; now += 1ms)
    while (limiter.try_take(type, "api", now).admitted()) {
      ++per_second[static_cast<std::size_t>((now - start) / 1s)];
      if (at != nullptr)
        at->push_back(now);
    }
  return per_second;
}

} // namespace

TEST_CASE("rate limiter holds N starts per second over a simulated minute") {
  for (std::int64_t n : {1, 3, 7, 10, 250, 1000}) {
    INFO(n << " per second");
    auto limiter = limited(type, "api", {n, 1s, 1});
    const auto per_second = greedy_minute(limiter);
    for (std::size_t s = 0; s < per_second.size(); ++s) {
      INFO("second " << s);
      REQUIRE(per_second[s] == n);
    }
  }
}

TEST_CASE("rate limiter paces a period that the rate does not divide "
          "exactly") {
  // 3 per second: at 0, 333.3 and 666.7 ms, rounded up to whole ms.
  auto limiter = limited(type, "api", {3, 1s, 1});
  std::vector<time_point> at;
  greedy_minute(limiter, &at);
  REQUIRE(at.size() == 180);
  CHECK(at[0] == start);
  CHECK(at[1] == start + 334ms);
  CHECK(at[2] == start + 667ms);
  CHECK(at[3] == start + 1000ms);
  CHECK(at[179] == start + 59'667ms);
  // 7 per minute over ten minutes: 60000 / 7 ms apart on average.
  auto slow = limited(type, "api", {7, 1min, 1});
  int admitted = 0;
  for (auto now = start; now < start + 10min; now += 1ms)
    admitted += slow.try_take(type, "api", now).admitted();
  CHECK(admitted == 7 * 10);
}

TEST_CASE("rate limiter says exactly when to ask again") {
  for (const rate_limit limit : {rate_limit{3, 1s, 1}, rate_limit{10, 1s, 4},
                                 rate_limit{1000, 1s, 1}, rate_limit{7, 1min, 2}}) {
    INFO(limit.rate << " per " << limit.period.count() << " ms, burst "
                    << limit.burst);
    auto limiter = limited(queue, "q", limit);
    auto now = start;
    int admitted = 0;
    while (now < start + 60s) {
      const auto d = limiter.try_take(queue, "q", now);
      if (d.admitted()) {
        ++admitted;
        continue;
      }
      REQUIRE(*d.wait_until > now);
      auto probe = limiter;
      REQUIRE_FALSE(probe.try_take(queue, "q", *d.wait_until - 1ms).admitted());
      REQUIRE(probe.try_take(queue, "q", *d.wait_until).admitted());
      now = *d.wait_until;
    }
    const auto span = std::chrono::duration_cast<duration>(60s);
    CHECK(admitted == limit.burst - 1 +
                          (span.count() * limit.rate + limit.period.count() - 1) /
                              limit.period.count());
  }
}

TEST_CASE("rate limiter lets a burst go at once, then paces") {
  auto limiter = limited(type, "api", {10, 1s, 5});
  for (int i = 0; i < 5; ++i)
    REQUIRE(limiter.try_take(type, "api", start).admitted());
  CHECK(limiter.try_take(type, "api", start) == rate_decision{start + 100ms});
  CHECK(limiter.try_take(type, "api", start + 100ms).admitted());
  CHECK(limiter.try_take(type, "api", start + 100ms) ==
        rate_decision{start + 200ms});
}

TEST_CASE("rate limiter with a burst holds at most burst + rate - 1 in any "
          "window of one period") {
  auto limiter = limited(type, "api", {10, 1s, 5});
  std::vector<time_point> at;
  const auto per_second = greedy_minute(limiter, &at);
  CHECK(per_second[0] == 14);
  for (std::size_t s = 1; s < per_second.size(); ++s)
    REQUIRE(per_second[s] == 10);
  for (std::size_t i = 0; i < at.size(); ++i) {
    std::size_t in_window = 0;
    for (std::size_t j = i; j < at.size() && at[j] < at[i] + 1s; ++j)
      ++in_window;
    REQUIRE(in_window <= 14);
  }
}

TEST_CASE("rate limiter refills a burst over quiet time, never beyond it") {
  auto limiter = limited(type, "api", {10, 1s, 5});
  CHECK(limiter.available(type, "api", start) == 5);
  for (int i = 0; i < 5; ++i)
    REQUIRE(limiter.try_take(type, "api", start).admitted());
  CHECK(limiter.available(type, "api", start) == 0);
  CHECK(limiter.available(type, "api", start + 99ms) == 0);
  CHECK(limiter.available(type, "api", start + 100ms) == 1);
  CHECK(limiter.available(type, "api", start + 250ms) == 2);
  CHECK(limiter.available(type, "api", start + 500ms) == 5);
  CHECK(limiter.available(type, "api", start + 1h) == 5);
  int admitted = 0;
  while (limiter.try_take(type, "api", start + 250ms).admitted())
    ++admitted;
  CHECK(admitted == 2);
}

TEST_CASE("rate limiter holds a key until a handler's retry-after, without "
          "spending its starts") {
  auto limiter = limited(type, "api", {100, 1s, 10});
  limiter.hold(type, "api", start + 5s);
  CHECK(limiter.try_take(type, "api", start) == rate_decision{start + 5s});
  CHECK(limiter.try_take(type, "api", start + 4999ms) ==
        rate_decision{start + 5s});
  CHECK(limiter.available(type, "api", start + 1s) == 0);
  CHECK(limiter.available(type, "api", start + 5s) == 10);
  for (int i = 0; i < 10; ++i)
    REQUIRE(limiter.try_take(type, "api", start + 5s).admitted());
  CHECK_FALSE(limiter.try_take(type, "api", start + 5s).admitted());
}

TEST_CASE("rate limiter holds never shorten") {
  auto limiter = limited(type, "api", {100, 1s, 10});
  limiter.hold(type, "api", start + 5s);
  limiter.hold(type, "api", start + 2s);
  CHECK(limiter.try_take(type, "api", start + 3s) == rate_decision{start + 5s});
  limiter.hold(type, "api", start + 8s);
  CHECK(limiter.try_take(type, "api", start + 6s) == rate_decision{start + 8s});
}

TEST_CASE("rate limiter holds a key that has no limit, and forgets it once "
          "the hold is over") {
  rate_limiter limiter;
  limiter.hold(breaker, "payments", start + 30s);
  CHECK_FALSE(limiter.empty());
  CHECK(limiter.try_take(breaker, "payments", start + 10s) ==
        rate_decision{start + 30s});
  CHECK(limiter.try_take(breaker, "other", start + 10s).admitted());
  CHECK(limiter.available(breaker, "payments", start + 10s) == 0);
  CHECK(limiter.try_take(breaker, "payments", start + 30s).admitted());
  CHECK(limiter.empty());
  CHECK(limiter.available(breaker, "payments", start + 30s) ==
        std::numeric_limits<std::int64_t>::max());
  limiter.hold(breaker, "", start + 30s);
  CHECK(limiter.empty());
}

TEST_CASE("rate limiter admits a job only if all its keys admit it, and "
          "then takes from each") {
  rate_limiter limiter;
  REQUIRE(limiter.set_limit(type, "mail", {1, 1s, 1}));
  REQUIRE(limiter.set_limit(queue, "bulk", {10, 1s, 10}));
  const rate_keys job{"mail", "bulk", "mail"};
  CHECK(limiter.try_take(job, start).admitted());
  CHECK(limiter.available(type, "mail", start) == 0);
  CHECK(limiter.available(queue, "bulk", start) == 9);
  // The type refuses: the queue keeps its start.
  CHECK(limiter.try_take(job, start + 10ms) == rate_decision{start + 1s});
  CHECK(limiter.available(queue, "bulk", start + 10ms) == 9);
  // Both refuse: ask again when the later one lets go.
  limiter.hold(queue, "bulk", start + 3s);
  CHECK(limiter.try_take(job, start + 20ms) == rate_decision{start + 3s});
  CHECK(limiter.try_take(job, start + 3s).admitted());
  // Another type in the same queue spends the queue's starts only.
  CHECK(limiter.try_take({"sms", "bulk", "sms"}, start + 3s).admitted());
  CHECK(limiter.available(queue, "bulk", start + 3s) == 8);
}

TEST_CASE("rate limiter keeps the same name in different scopes apart") {
  auto limiter = limited(type, "x", {1, 1s, 1});
  CHECK(limiter.try_take(type, "x", start).admitted());
  CHECK_FALSE(limiter.try_take(type, "x", start).admitted());
  CHECK(limiter.try_take(queue, "x", start).admitted());
  CHECK(limiter.try_take(breaker, "x", start).admitted());
  CHECK(limiter.try_take({"", "x", "x"}, start).admitted());
  CHECK(jobrt::to_string(breaker) == "breaker_key");
}

TEST_CASE("rate limiter without limits admits everything") {
  rate_limiter limiter;
  CHECK(limiter.empty());
  CHECK(limiter.try_take({"a", "b", "c"}, start).admitted());
  CHECK(limiter.available(type, "a", start) ==
        std::numeric_limits<std::int64_t>::max());
  REQUIRE(limiter.set_limit(type, "a", {1, 1s, 1}));
  CHECK_FALSE(limiter.empty());
  limiter.remove_limit(type, "a");
  CHECK(limiter.empty());
  limiter.remove_limit(type, "never-limited");
  CHECK(limiter.try_take({"a", "b", "c"}, start).admitted());
  CHECK(limiter.try_take({"a", "b", "c"}, start).admitted());
}

TEST_CASE("rate limiter removing a limit keeps the key's hold") {
  auto limiter = limited(type, "api", {1, 1s, 1});
  limiter.hold(type, "api", start + 5s);
  limiter.remove_limit(type, "api");
  CHECK(limiter.try_take(type, "api", start) == rate_decision{start + 5s});
  CHECK(limiter.try_take(type, "api", start + 5s).admitted());
  CHECK(limiter.try_take(type, "api", start + 5s).admitted());
  CHECK(limiter.empty());
}

TEST_CASE("rate limiter setting a limit again starts the bucket full") {
  auto limiter = limited(type, "api", {1, 1min, 1});
  CHECK(limiter.try_take(type, "api", start).admitted());
  CHECK_FALSE(limiter.try_take(type, "api", start + 1s).admitted());
  REQUIRE(limiter.set_limit(type, "api", {2, 1s, 2}));
  CHECK(limiter.available(type, "api", start + 1s) == 2);
}

TEST_CASE("rate limiter refuses nonsense limits, naming the setting") {
  using jobrt::validate_rate_limit;
  CHECK(validate_rate_limit({0, 1s, 1}).error().message() ==
        "rate: must be between 1 and 1000000000 (got 0)");
  CHECK(validate_rate_limit({jobrt::max_rate + 1, 1s, 1}).error().field == "rate");
  CHECK(validate_rate_limit({1, 0ms, 1}).error().message() ==
        "period: must be between 1 ms and 366 days (got 0 ms)");
  CHECK(validate_rate_limit({1, -5ms, 1}).error().field == "period");
  CHECK(validate_rate_limit({1, jobrt::max_rate_period + 1ms, 1}).error().field ==
        "period");
  CHECK(validate_rate_limit({1, 1s, 0}).error().message() ==
        "burst: must be between 1 and 100000000 (got 0)");
  CHECK(validate_rate_limit({1, 1s, jobrt::max_burst + 1}).error().field == "burst");
  CHECK(validate_rate_limit({jobrt::max_rate, 1ms, jobrt::max_burst}));
  CHECK(validate_rate_limit({1, jobrt::max_rate_period, jobrt::max_burst}));

  rate_limiter limiter;
  CHECK(limiter.set_limit(type, "api", {0, 1s, 1}).error().field == "rate");
  CHECK(limiter.empty());
}

TEST_CASE("rate limiter stays exact at the bounds of its limits") {
  auto huge = limited(type, "api", {jobrt::max_rate, 1ms, jobrt::max_burst});
  CHECK(huge.available(type, "api", start) == jobrt::max_burst);
  CHECK(huge.try_take(type, "api", start).admitted());
  CHECK(huge.available(type, "api", start) == jobrt::max_burst - 1);
  CHECK(huge.available(type, "api", start + 1ms) == jobrt::max_burst);

  auto slow = limited(type, "api", {1, jobrt::max_rate_period, jobrt::max_burst});
  CHECK(slow.available(type, "api", start) == jobrt::max_burst);
  for (int i = 0; i < 3; ++i)
    REQUIRE(slow.try_take(type, "api", start).admitted());
  CHECK(slow.available(type, "api", start) == jobrt::max_burst - 3);

  auto wide = limited(type, "api", {jobrt::max_rate, jobrt::max_rate_period,
                                    jobrt::max_burst});
  CHECK(wide.available(type, "api", start) == jobrt::max_burst);
  CHECK(wide.try_take(type, "api", start).admitted());

  // At the end of time the pace saturates instead of wrapping around.
  auto at_the_end = limited(type, "api", {1, 1s, 1});
  CHECK(at_the_end.try_take(type, "api", time_point::max() - 1s).admitted());
  CHECK(at_the_end.try_take(type, "api", time_point::max() - 1s) ==
        rate_decision{time_point::max()});
}

TEST_CASE("rate limiter does not reopen when the clock steps back") {
  auto limiter = limited(type, "api", {1, 1s, 1});
  CHECK(limiter.try_take(type, "api", start + 10s).admitted());
  CHECK(limiter.try_take(type, "api", start + 5s) ==
        rate_decision{start + 11s});
}

TEST_CASE("rate limiter allocates nothing per call") {
  rate_limiter limiter;
  REQUIRE(limiter.set_limit(type, "api", {1000, 1s, 10}));
  REQUIRE(limiter.set_limit(queue, "bulk", {1, 1s, 1}));
  limiter.hold(breaker, "vendor", start + 1h);
  const std::string unlimited_type = "a job type long enough to live on the heap";
  const auto before = allocations.load();
  for (int i = 0; i < 10'000; ++i) {
    const auto now = start + duration(i);
    (void)limiter.try_take({"api", "default", "api"}, now);
    (void)limiter.try_take({unlimited_type, "bulk", unlimited_type}, now);
    (void)limiter.try_take({"api", "default", "vendor"}, now);
    (void)limiter.available(type, "api", now);
  }
  CHECK(allocations.load() == before);
}
