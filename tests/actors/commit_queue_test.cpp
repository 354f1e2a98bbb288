#include "jobrt/actors/commit_queue.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

// The commit queue numbers sealed turns, judges the store's answers by
// epoch, and paces the rewrites of the degraded mode.

namespace {

using namespace std::chrono_literals;
using jobrt::commit_queue;
using jobrt::duration;
using verdict = commit_queue::verdict;

/// Seals `n` turns; returns the number of the last.
std::uint64_t seal(commit_queue& q, int n) {
  std::uint64_t last = 0;
  for (int i = 0; i < n; ++i)
    last = q.seal();
  return last;
}

/// A fresh queue with `n` turns sealed.
commit_queue sealed_queue(int n) {
  commit_queue q;
  seal(q, n);
  return q;
}

/// Seals `n` turns in the current epoch and fails them: the queue is then
/// degraded, in the next epoch.
void fail_after(commit_queue& q, int n) {
  const auto epoch = q.epoch();
  const auto last = seal(q, n);
  REQUIRE(q.on_answer(last, epoch, true) == verdict::failed);
  REQUIRE(q.degraded());
}

std::vector<duration> delays(commit_queue& q, int n) {
  std::vector<duration> out;
  for (int i = 0; i < n; ++i)
    out.push_back(q.next_retry_delay());
  return out;
}

} // namespace

TEST_CASE("commit queue starts with nothing sealed and numbers sealed turns "
          "one after the other from 1",
          "[commit_queue]") {
  commit_queue q;
  CHECK(q.sealed() == 0);
  CHECK(q.settled() == 0);
  CHECK(q.epoch() == 0);
  CHECK_FALSE(q.degraded());
  CHECK(q.seal() == 1);
  CHECK(q.seal() == 2);
  CHECK(q.seal() == 3);
  CHECK(q.sealed() == 3);
  CHECK(q.settled() == 0); // sealing is no answer
  CHECK(q.epoch() == 0);
}

TEST_CASE("commit queue durable answer settles every turn up to its number",
          "[commit_queue]") {
  auto q = sealed_queue(5);
  CHECK(q.on_answer(3, 0, false) == verdict::durable);
  CHECK(q.settled() == 3);
  CHECK(q.on_answer(5, 0, false) == verdict::durable);
  CHECK(q.settled() == 5);
  CHECK(q.epoch() == 0);
  CHECK_FALSE(q.degraded());
}

TEST_CASE("commit queue durable answer for an older turn never moves settled "
          "back",
          "[commit_queue]") {
  auto q = sealed_queue(4);
  REQUIRE(q.on_answer(4, 0, false) == verdict::durable);
  CHECK(q.on_answer(2, 0, false) == verdict::durable);
  CHECK(q.settled() == 4);
}

TEST_CASE("commit queue failed answer loses every sealed turn and degrades",
          "[commit_queue]") {
  auto q = sealed_queue(5);
  REQUIRE(q.on_answer(2, 0, false) == verdict::durable);
  // The store failed the group up to 3; 4 and 5, still on their way, are
  // lost with it.
  CHECK(q.on_answer(3, 0, true) == verdict::failed);
  CHECK(q.degraded());
  CHECK(q.epoch() == 1);
  CHECK(q.settled() == 5);
  CHECK(q.sealed() == 5);
}

TEST_CASE("commit queue answers for a failed epoch are stale and change "
          "nothing",
          "[commit_queue]") {
  auto q = sealed_queue(4);
  REQUIRE(q.on_answer(2, 0, true) == verdict::failed);
  const auto seq = q.seal(); // the rewrite, in epoch 1
  CHECK(q.on_answer(4, 0, false) == verdict::stale);
  CHECK(q.on_answer(4, 0, true) == verdict::stale);
  CHECK(q.epoch() == 1); // a stale failure starts no epoch
  CHECK(q.degraded());
  CHECK(q.settled() == 4);
  CHECK(q.on_answer(seq, 1, false) == verdict::durable);
  CHECK(q.settled() == seq);
}

TEST_CASE("commit queue stays degraded until every turn sealed since the "
          "failure is durable",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 3);
  const auto first = q.seal();
  const auto second = q.seal();
  CHECK(q.on_answer(first, 1, false) == verdict::durable);
  CHECK(q.degraded());
  CHECK(q.on_answer(second, 1, false) == verdict::durable);
  CHECK_FALSE(q.degraded());
  CHECK(q.settled() == second);
  CHECK(q.epoch() == 1); // recovering starts no epoch
}

TEST_CASE("commit queue failing again while degraded starts another epoch",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 2);
  fail_after(q, 1);
  CHECK(q.epoch() == 2);
  CHECK(q.settled() == 3);
  CHECK(q.on_answer(3, 1, false) == verdict::stale);
  CHECK(q.degraded());
}

TEST_CASE("commit queue retry delay doubles from 50 ms and stops at 5 s",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 1);
  const std::vector<duration> expected{50ms,   100ms,  200ms, 400ms, 800ms,
                                       1600ms, 3200ms, 5s,    5s,    5s};
  CHECK(delays(q, 10) == expected);
}

TEST_CASE("commit queue retry delay keeps growing over consecutive failures",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 1);
  REQUIRE(delays(q, 2) == std::vector<duration>{50ms, 100ms});
  fail_after(q, 1); // the rewrite failed as well
  CHECK(q.next_retry_delay() == 200ms);
}

TEST_CASE("commit queue recovering from degraded mode restarts the delay at "
          "50 ms",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 1);
  REQUIRE(delays(q, 4).back() == 400ms);
  const auto seq = q.seal();
  REQUIRE(q.on_answer(seq, q.epoch(), false) == verdict::durable);
  REQUIRE_FALSE(q.degraded());
  fail_after(q, 1);
  CHECK(q.next_retry_delay() == 50ms);
}

TEST_CASE("commit queue keeps growing the delay while a rewrite is only "
          "partly durable",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 1);
  REQUIRE(q.next_retry_delay() == 50ms);
  const auto first = q.seal();
  const auto second = q.seal();
  // Only part of the rewrite is durable: still degraded, delay kept.
  REQUIRE(q.on_answer(first, 1, false) == verdict::durable);
  CHECK(q.next_retry_delay() == 100ms);
  REQUIRE(q.on_answer(second, 1, false) == verdict::durable);
  CHECK(q.next_retry_delay() == 50ms);
}

TEST_CASE("commit queue forgive ends degraded mode and restarts the delay "
          "but keeps the epoch",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 3);
  REQUIRE(delays(q, 3).back() == 200ms);
  q.forgive();
  CHECK_FALSE(q.degraded());
  CHECK(q.epoch() == 1);
  CHECK(q.settled() == 3);
  // The lost epoch stays lost: its answers are still stale.
  CHECK(q.on_answer(3, 0, false) == verdict::stale);
  CHECK(q.next_retry_delay() == 50ms);
}

TEST_CASE("commit queue after forgive numbers on and settles normally",
          "[commit_queue]") {
  commit_queue q;
  fail_after(q, 2);
  q.forgive();
  CHECK(q.seal() == 3);
  CHECK(q.on_answer(3, 1, false) == verdict::durable);
  CHECK(q.settled() == 3);
  CHECK_FALSE(q.degraded());
}
