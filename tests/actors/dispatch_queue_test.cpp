#include "jobrt/actors/dispatch_queue.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <vector>

using namespace jobrt;

namespace {

auto always = [](lane_id) { return true; };

std::vector<std::int64_t> drain(dispatch_queue& q, auto eligible) {
  std::vector<std::int64_t> ids;
  while (auto next = q.pop_best(eligible))
    ids.push_back(next->second.id);
  return ids;
}

} // namespace

TEST_CASE("dispatch order is priority, then run_at, then id",
          "[dispatch_queue]") {
  dispatch_queue q;
  auto lane = q.lane_for("email", "default", "email");
  q.push(lane, {5, 100, 1, 0});
  q.push(lane, {0, 300, 2, 0});
  q.push(lane, {0, 200, 4, 0});
  q.push(lane, {0, 200, 3, 0});
  CHECK(drain(q, always) == std::vector<std::int64_t>{3, 4, 2, 1});
  CHECK(q.size() == 0);
}

TEST_CASE("the order holds across lanes", "[dispatch_queue]") {
  dispatch_queue q;
  auto a = q.lane_for("a", "default", "a");
  auto b = q.lane_for("b", "default", "b");
  CHECK(a != b);
  CHECK(q.lane_for("a", "default", "a") == a);
  q.push(a, {0, 10, 1, 0});
  q.push(b, {0, 5, 2, 0});
  q.push(a, {0, 1, 3, 0});
  q.push(b, {1, 0, 4, 0});
  CHECK(drain(q, always) == std::vector<std::int64_t>{3, 2, 1, 4});
}

TEST_CASE("a blocked lane is skipped and keeps its jobs", "[dispatch_queue]") {
  dispatch_queue q;
  auto paused = q.lane_for("charge", "default", "psp");
  auto open = q.lane_for("email", "default", "email");
  q.push(paused, {0, 0, 1, 0});
  q.push(open, {0, 50, 2, 0});
  auto only_open = [&](lane_id l) { return l == open; };
  CHECK(drain(q, only_open) == std::vector<std::int64_t>{2});
  CHECK(q.size() == 1);
  CHECK(drain(q, always) == std::vector<std::int64_t>{1});
}

TEST_CASE("lanes differ by queue and by breaker key", "[dispatch_queue]") {
  dispatch_queue q;
  auto base = q.lane_for("t", "q", "k");
  CHECK(q.lane_for("t", "other", "k") != base);
  CHECK(q.lane_for("t", "q", "other") != base);
  CHECK(q.lane_count() == 3);
  CHECK(q.key(base).queue == "q");
}

TEST_CASE("random pushes come out in sorted order", "[dispatch_queue]") {
  std::mt19937_64 random{42};
  dispatch_queue q;
  std::vector<lane_id> lanes{q.lane_for("a", "x", "a"), q.lane_for("b", "x", "b"),
                             q.lane_for("c", "y", "c")};
  std::vector<ready_entry> model;
  for (std::int64_t id = 1; id <= 5000; ++id) {
    ready_entry e{static_cast<std::int32_t>(random() % 3),
                  static_cast<std::int64_t>(random() % 50), id, 0};
    q.push(lanes[random() % lanes.size()], e);
    model.push_back(e);
  }
  std::sort(model.begin(), model.end(), runs_before);
  std::vector<std::int64_t> expected;
  for (const auto& e : model)
    expected.push_back(e.id);
  CHECK(drain(q, always) == expected);
}
