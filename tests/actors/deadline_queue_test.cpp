#include "jobrt/actors/deadline_queue.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

using namespace jobrt;

namespace {

constexpr time_point t0{std::chrono::hours(24 * 365 * 50)};

time_point at(std::int64_t ms) { return t0 + duration{ms}; }

deadline_key job(std::uint64_t id) {
  return make_deadline_key(deadline_kind::job, id);
}

deadline_key breaker(std::uint64_t id) {
  return make_deadline_key(deadline_kind::breaker_cooldown, id);
}

std::vector<deadline_key> pop_due(deadline_queue& q, time_point now) {
  std::vector<deadline_key> out;
  q.pop_due(now, out);
  return out;
}

std::vector<deadline_key> drain(deadline_queue& q) {
  return pop_due(q, time_point::max());
}

} // namespace

TEST_CASE("deadline queue: an empty queue has nothing to give",
          "[deadline_queue]") {
  deadline_queue q;
  CHECK(q.size() == 0);
  CHECK(q.empty());
  CHECK_FALSE(q.earliest());
  CHECK_FALSE(q.contains(job(1)));
  CHECK_FALSE(q.deadline_of(job(1)));
  CHECK_FALSE(q.cancel(job(1)));
  CHECK(pop_due(q, time_point::max()).empty());
  CHECK(q.memory_bytes() == 0);
}

TEST_CASE("deadline queue: deadlines come out by instant", "[deadline_queue]") {
  deadline_queue q;
  q.schedule(job(1), at(300));
  q.schedule(job(2), at(100));
  q.schedule(breaker(3), at(200));
  q.schedule(job(4), at(-50));
  CHECK(q.size() == 4);
  CHECK(q.earliest() == at(-50));
  CHECK(q.deadline_of(breaker(3)) == at(200));
  CHECK(drain(q) == std::vector{job(4), job(2), breaker(3), job(1)});
  CHECK(q.empty());
  CHECK_FALSE(q.earliest());
}

TEST_CASE("deadline queue: ties come out by ascending key, whatever the "
          "scheduling order",
          "[deadline_queue]") {
  deadline_queue q;
  for (std::uint64_t id = 20; id > 0; --id)
    q.schedule(job(id), at(7));
  q.schedule(breaker(0), at(7));
  q.schedule(job(100), at(6));
  std::vector<deadline_key> expected{job(100)};
  for (std::uint64_t id = 1; id <= 20; ++id)
    expected.push_back(job(id));
  expected.push_back(breaker(0)); // its kind sits in the key's top bits
  CHECK(drain(q) == expected);
}

TEST_CASE("deadline queue: scheduling a present key moves its deadline",
          "[deadline_queue]") {
  deadline_queue q;
  q.schedule(job(1), at(100));
  q.schedule(job(2), at(200));
  q.schedule(job(3), at(300));

  SECTION("earlier") {
    q.schedule(job(3), at(50));
    CHECK(q.size() == 3);
    CHECK(q.earliest() == at(50));
    CHECK(q.deadline_of(job(3)) == at(50));
    CHECK(drain(q) == std::vector{job(3), job(1), job(2)});
  }
  SECTION("later") {
    q.schedule(job(1), at(250));
    CHECK(q.size() == 3);
    CHECK(q.earliest() == at(200));
    CHECK(pop_due(q, at(200)) == std::vector{job(2)});
    CHECK(pop_due(q, at(249)).empty());
    CHECK(pop_due(q, at(300)) == std::vector{job(1), job(3)});
  }
  SECTION("to the same instant") {
    q.schedule(job(2), at(200));
    CHECK(drain(q) == std::vector{job(1), job(2), job(3)});
  }
}

TEST_CASE(
    "deadline queue: cancel removes a present key and reports an absent one",
    "[deadline_queue]") {
  deadline_queue q;
  q.schedule(job(1), at(100));
  q.schedule(job(2), at(200));
  q.schedule(job(3), at(300));
  CHECK(q.cancel(job(1)));
  CHECK_FALSE(q.cancel(job(1)));
  CHECK_FALSE(q.cancel(job(9)));
  CHECK_FALSE(q.cancel(breaker(2))); // same id, other kind
  CHECK_FALSE(q.contains(job(1)));
  CHECK(q.contains(job(2)));
  CHECK(q.size() == 2);
  CHECK(q.earliest() == at(200));
  CHECK(drain(q) == std::vector{job(2), job(3)});
}

TEST_CASE("deadline queue: a deadline is due at its instant, not a millisecond "
          "before",
          "[deadline_queue]") {
  deadline_queue q;
  q.schedule(job(1), at(100));
  q.schedule(job(2), at(101));
  CHECK(pop_due(q, at(99)).empty());
  CHECK(q.size() == 2);
  CHECK(pop_due(q, at(100)) == std::vector{job(1)});
  CHECK(pop_due(q, at(100)).empty());
  CHECK(q.earliest() == at(101));
  CHECK(pop_due(q, at(101)) == std::vector{job(2)});
}

TEST_CASE("deadline queue: pop_due appends to what the caller holds",
          "[deadline_queue]") {
  deadline_queue q;
  q.schedule(job(1), at(1));
  std::vector<deadline_key> out{job(42)};
  q.pop_due(at(1), out);
  CHECK(out == std::vector{job(42), job(1)});
}

TEST_CASE("deadline queue: extreme keys and instants", "[deadline_queue]") {
  deadline_queue q;
  constexpr auto max_key = std::numeric_limits<deadline_key>::max();
  q.schedule(max_key, time_point::max());
  q.schedule(0, time_point::min());
  q.schedule(job(max_deadline_id), at(0));
  CHECK(q.earliest() == time_point::min());
  CHECK(pop_due(q, at(0)) ==
        std::vector<deadline_key>{0, job(max_deadline_id)});
  CHECK(q.deadline_of(max_key) == time_point::max());
  CHECK(drain(q) == std::vector{max_key});
}

TEST_CASE("deadline queue: memory follows the number of deadlines",
          "[deadline_queue]") {
  deadline_queue q;
  constexpr std::uint64_t n = 100'000;
  for (std::uint64_t id = 0; id < n; ++id)
    q.schedule(job(id), at(static_cast<std::int64_t>(id % 1000)));
  auto peak = q.memory_bytes();
  CHECK(peak >= n * (24 + 16)); // a heap entry and a table slot each
  CHECK(peak <= n * 91);        // the header's bound
  auto due = pop_due(q, at(989));
  CHECK(due.size() == n / 1000 * 990);
  CHECK(q.size() == n - due.size());
  CHECK(q.memory_bytes() < peak / 4);
  CHECK(drain(q).size() == n / 1000 * 10);
  CHECK(q.memory_bytes() < 2048);
}

// The queue against an obviously right model: a map key → instant and the
// set of (instant, key) it implies.
TEST_CASE("deadline queue: random operations agree with a std::map model",
          "[deadline_queue]") {
  std::mt19937_64 random{20240607};
  deadline_queue q;
  std::map<deadline_key, std::int64_t> model;
  std::set<std::pair<std::int64_t, deadline_key>> order;

  auto model_cancel = [&](deadline_key key) {
    auto it = model.find(key);
    if (it == model.end())
      return false;
    order.erase({it->second, key});
    model.erase(it);
    return true;
  };
  auto random_key = [&](std::uint64_t ids) {
    auto kind = random() % 2 == 0 ? deadline_kind::job
                                  : deadline_kind::breaker_cooldown;
    return make_deadline_key(kind, random() % ids);
  };

  std::int64_t now = 0;
  std::size_t fired = 0;
  // Phases alternate a small key space (many moves and ties) and a large
  // one (growth of both arrays), then drain (shrinking).
  for (int phase = 0; phase < 6; ++phase) {
    const std::uint64_t ids = phase % 2 == 0 ? 500 : 50'000;
    const std::int64_t horizon = phase % 2 == 0 ? 100 : 10'000;
    for (int op = 0; op < 60'000; ++op) {
      auto dice = random() % 100;
      if (dice < 60) {
        auto key = random_key(ids);
        auto when = now + static_cast<std::int64_t>(random() % horizon) - 5;
        q.schedule(key, at(when));
        model_cancel(key);
        model[key] = when;
        order.insert({when, key});
      } else if (dice < 80) {
        auto key = random_key(ids);
        REQUIRE(q.cancel(key) == model_cancel(key));
      } else if (dice < 90) {
        now += static_cast<std::int64_t>(random() % (horizon / 10));
        std::vector<deadline_key> expected;
        while (!order.empty() && order.begin()->first <= now) {
          expected.push_back(order.begin()->second);
          model.erase(order.begin()->second);
          order.erase(order.begin());
        }
        REQUIRE(pop_due(q, at(now)) == expected);
        fired += expected.size();
      } else {
        auto key = random_key(ids);
        auto it = model.find(key);
        REQUIRE(q.contains(key) == (it != model.end()));
        if (it != model.end())
          REQUIRE(q.deadline_of(key) == at(it->second));
        else
          REQUIRE_FALSE(q.deadline_of(key));
      }
      REQUIRE(q.size() == model.size());
      if (order.empty())
        REQUIRE_FALSE(q.earliest());
      else
        REQUIRE(q.earliest() == at(order.begin()->first));
    }
    if (phase % 2 == 1) {
      std::vector<deadline_key> expected;
      for (const auto& [when, key] : order)
        expected.push_back(key);
      REQUIRE(drain(q) == expected);
      fired += expected.size();
      model.clear();
      order.clear();
    }
  }
  CHECK(fired > 10'000);
  CHECK(q.empty());
}
