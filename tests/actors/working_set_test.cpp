#include "jobrt/actors/working_set.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// The working set's two fences per entry, the writes and removals it seals
// and chains, and when a settle or a rewind lets it forget an entry.

namespace Catch {

template <>
struct StringMaker<jobrt::job_fence> {
  static std::string convert(const jobrt::job_fence& f) {
    return "{" + std::string(jobrt::to_string(f.state)) + ", attempt " +
           std::to_string(f.attempt) + ", owner '" + f.owner + "'}";
  }
};

} // namespace Catch

namespace {

using jobrt::job_entry;
using jobrt::job_fence;
using jobrt::job_state;
using jobrt::sealed_write;
using jobrt::working_set;

jobrt::job record(jobrt::job_id id, job_state state = job_state::pending,
                  std::int32_t attempt = 0, std::string owner = {}) {
  jobrt::job j;
  j.id = id;
  j.type = "mail";
  j.state = state;
  j.attempt = attempt;
  j.owner = std::move(owner);
  return j;
}

const job_fence pending0{job_state::pending, 0, ""};
const job_fence running1{job_state::processing, 1, "me"};
const job_fence retrying1{job_state::retrying, 1, ""};
const job_fence running2{job_state::processing, 2, "me"};

/// A set holding job `id`, pending, as the store holds it.
working_set holding(jobrt::job_id id) {
  working_set set;
  set.adopt(record(id));
  return set;
}

/// Gives `entry` the state, attempt and owner of `to`, and marks it dirty.
void change(working_set& set, job_entry& entry, const job_fence& to) {
  entry.record.state = to.state;
  entry.record.attempt = to.attempt;
  entry.record.owner = to.owner;
  set.mark_dirty(entry);
}

/// What one seal produced.
struct sealed_turn {
  std::vector<jobrt::job_write> writes;
  std::vector<jobrt::job_removal> removals;
  std::vector<sealed_write> written;
};

sealed_turn seal(working_set& set, std::uint64_t seq) {
  sealed_turn t;
  set.seal(seq, t.writes, t.removals, t.written);
  return t;
}

/// Changes the entry of `id` to `to` and seals it alone in turn `seq`;
/// returns what to settle.
sealed_write write(working_set& set, jobrt::job_id id, const job_fence& to,
                   std::uint64_t seq) {
  auto* entry = set.find(id);
  REQUIRE(entry != nullptr);
  change(set, *entry, to);
  auto t = seal(set, seq);
  REQUIRE(t.written.size() == 1);
  return t.written.front();
}

/// An entry adopted pending, then sent off to run (attempt 1) in turn 1,
/// and marked leaving.
job_entry& leaving_after_one_write(working_set& set, jobrt::job_id id,
                                   sealed_write& w) {
  set.adopt(record(id));
  w = write(set, id, running1, 1);
  auto& entry = *set.find(id);
  entry.leaving = true;
  return entry;
}

/// The entry of `id`, which the set must still hold.
const job_entry& held(working_set& set, jobrt::job_id id) {
  const auto* entry = set.find(id);
  REQUIRE(entry != nullptr);
  return *entry;
}

/// A finished job adopted to be purged: its next write removes it.
job_entry& to_remove(working_set& set, jobrt::job_id id) {
  auto& entry = set.adopt(record(id, job_state::completed, 1));
  entry.removing = true;
  entry.leaving = true;
  set.mark_dirty(entry);
  return entry;
}

} // namespace

// --- adopt, find, forget -----------------------------------------------------

TEST_CASE("working set adopt holds the record with both fences on it",
          "[working_set]") {
  working_set set;
  CHECK(set.find(7) == nullptr);
  auto& entry = set.adopt(record(7, job_state::processing, 1, "me"));
  CHECK(set.size() == 1);
  CHECK(set.find(7) == &entry);
  CHECK(entry.record.id == 7);
  CHECK(entry.durable == running1);
  CHECK(entry.sealed == running1);
  CHECK(entry.sealed_seq == 0);
  CHECK_FALSE(entry.dirty);
  CHECK_FALSE(entry.leaving);
}

TEST_CASE("working set adopt replaces what was held of the job, flags and "
          "fences",
          "[working_set]") {
  working_set set;
  auto& first = set.adopt(record(7));
  first.leaving = true;
  first.running = true;
  first.removing = true;
  first.lingering = 2;
  change(set, first, running1);
  auto& again = set.adopt(record(7, job_state::processing, 2, "me"));
  CHECK(set.size() == 1);
  CHECK(again.durable == running2);
  CHECK(again.sealed == running2);
  CHECK_FALSE(again.dirty);
  CHECK_FALSE(again.leaving);
  CHECK_FALSE(again.running);
  CHECK_FALSE(again.removing);
  CHECK(again.lingering == 0);
  // The change marked before the adoption is not written any more.
  const auto t = seal(set, 1);
  CHECK(t.writes.empty());
  CHECK(t.written.empty());
}

TEST_CASE("working set forget drops the entry and seal skips it",
          "[working_set]") {
  working_set set;
  auto& entry = set.adopt(record(7));
  change(set, entry, running1);
  set.forget(7);
  CHECK(set.find(7) == nullptr);
  CHECK(set.size() == 0);
  const auto t = seal(set, 1);
  CHECK(t.writes.empty());
  CHECK(t.written.empty());
}

TEST_CASE("working set for_each visits every entry once", "[working_set]") {
  working_set set;
  for (jobrt::job_id id = 1; id <= 4; ++id)
    set.adopt(record(id));
  jobrt::job_id sum = 0;
  set.for_each([&](job_entry& e) { sum += e.record.id; });
  CHECK(sum == 10);
}

// --- seal --------------------------------------------------------------------

TEST_CASE("working set seal with nothing dirty writes nothing",
          "[working_set]") {
  auto set = holding(1);
  const auto t = seal(set, 1);
  CHECK(t.writes.empty());
  CHECK(t.removals.empty());
  CHECK(t.written.empty());
}

TEST_CASE("working set seal writes a dirty entry fenced on what the store "
          "holds",
          "[working_set]") {
  auto set = holding(1);
  auto& entry = *set.find(1);
  set.adopt(record(2)); // clean: not written
  change(set, entry, running1);
  const auto t = seal(set, 5);
  REQUIRE(t.writes.size() == 1);
  CHECK(t.writes[0].record == entry.record);
  CHECK(t.writes[0].expected == pending0);
  CHECK(t.removals.empty());
  REQUIRE(t.written.size() == 1);
  CHECK(t.written[0].id == 1);
  CHECK(t.written[0].fence == running1);
  CHECK(entry.sealed == running1);
  CHECK(entry.durable == pending0); // not durable before it settles
  CHECK(entry.sealed_seq == 5);
  CHECK_FALSE(entry.dirty);
}

TEST_CASE("working set marking an entry dirty twice writes it once",
          "[working_set]") {
  auto set = holding(1);
  auto& entry = *set.find(1);
  set.mark_dirty(entry);
  change(set, entry, running1);
  const auto t = seal(set, 1);
  CHECK(t.writes.size() == 1);
  CHECK(t.written.size() == 1);
  CHECK(seal(set, 2).writes.empty()); // sealed: no longer dirty
}

TEST_CASE("working set chains the fences of successive seals",
          "[working_set]") {
  auto set = holding(1);
  auto& entry = *set.find(1);
  change(set, entry, running1);
  const auto first = seal(set, 1);
  change(set, entry, retrying1);
  const auto second = seal(set, 2);
  change(set, entry, running2);
  const auto third = seal(set, 3);
  REQUIRE(first.writes.size() == 1);
  REQUIRE(second.writes.size() == 1);
  REQUIRE(third.writes.size() == 1);
  CHECK(first.writes[0].expected == pending0);
  CHECK(second.writes[0].expected == running1);
  CHECK(third.writes[0].expected == retrying1);
  CHECK(entry.sealed == running2);
  CHECK(entry.sealed_seq == 3);
  CHECK(entry.durable == pending0);
}

TEST_CASE("working set seal removes a removing entry fenced on sealed",
          "[working_set]") {
  working_set set;
  auto& entry = to_remove(set, 1);
  const auto t = seal(set, 4);
  CHECK(t.writes.empty());
  REQUIRE(t.removals.size() == 1);
  CHECK(t.removals[0].id == 1);
  CHECK(t.removals[0].expected == job_fence{job_state::completed, 1, ""});
  REQUIRE(t.written.size() == 1);
  CHECK(t.written[0].id == 1);
  CHECK(entry.sealed_seq == 4);
}

TEST_CASE("working set seal writes no quarantined entry", "[working_set]") {
  auto set = holding(1);
  auto& entry = *set.find(1);
  entry.quarantined = true;
  change(set, entry, running1);
  const auto t = seal(set, 1);
  CHECK(t.writes.empty());
  CHECK(t.written.empty());
  CHECK_FALSE(entry.dirty);
  CHECK(entry.sealed == pending0);
  CHECK(entry.sealed_seq == 0);
}

TEST_CASE("working set seal lists every dirty entry it wrote",
          "[working_set]") {
  working_set set;
  for (jobrt::job_id id = 1; id <= 3; ++id)
    change(set, set.adopt(record(id)), running1);
  to_remove(set, 4);
  const auto t = seal(set, 9);
  CHECK(t.writes.size() == 3);
  CHECK(t.removals.size() == 1);
  std::vector<jobrt::job_id> ids;
  for (const auto& w : t.written)
    ids.push_back(w.id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<jobrt::job_id>{1, 2, 3, 4});
}

// --- settle ------------------------------------------------------------------

TEST_CASE("working set settle makes the written fence durable",
          "[working_set]") {
  auto set = holding(1);
  const auto w = write(set, 1, running1, 1);
  set.settle(w, 1);
  const auto& entry = held(set, 1); // not leaving: kept
  CHECK(entry.durable == running1);
  CHECK(entry.sealed == running1);
  CHECK(entry.sealed_seq == 0);
}

TEST_CASE("working set settle of an earlier write keeps the later one in "
          "flight",
          "[working_set]") {
  auto set = holding(1);
  const auto w1 = write(set, 1, running1, 1);
  const auto w2 = write(set, 1, retrying1, 2);
  set.find(1)->leaving = true;
  set.settle(w1, 1);
  const auto& entry = held(set, 1); // its last write is still on its way
  CHECK(entry.durable == running1);
  CHECK(entry.sealed == retrying1);
  CHECK(entry.sealed_seq == 2);
  set.settle(w2, 2);
  CHECK(set.find(1) == nullptr);
}

TEST_CASE("working set forgets a leaving entry once its last write is "
          "durable",
          "[working_set]") {
  working_set set;
  sealed_write w;
  leaving_after_one_write(set, 1, w);
  set.settle(w, 1);
  CHECK(set.find(1) == nullptr);
  CHECK(set.size() == 0);
}

TEST_CASE("working set keeps a leaving entry that is dirty, running or "
          "lingering when its write lands",
          "[working_set]") {
  working_set set;
  sealed_write w;
  auto& entry = leaving_after_one_write(set, 1, w);
  SECTION("dirty again") { set.mark_dirty(entry); }
  SECTION("running") { entry.running = true; }
  SECTION("lingering") { entry.lingering = 1; }
  set.settle(w, 1);
  CHECK(held(set, 1).durable == running1);
  CHECK(entry.sealed_seq == 0);
}

TEST_CASE("working set forgets a removed entry once its removal lands",
          "[working_set]") {
  working_set set;
  to_remove(set, 1);
  const auto t = seal(set, 3);
  REQUIRE(t.written.size() == 1);
  set.settle(t.written[0], 3);
  CHECK(set.find(1) == nullptr);
}

TEST_CASE("working set settle of a job it does not hold does nothing",
          "[working_set]") {
  working_set set;
  set.adopt(record(2));
  set.settle(sealed_write{1, running1}, 1);
  CHECK(set.size() == 1);
  CHECK(held(set, 2).durable == pending0);
}

TEST_CASE("working set re-adopted entry ignores the settle of a write "
          "sealed before",
          "[working_set]") {
  working_set set;
  sealed_write w;
  leaving_after_one_write(set, 1, w);
  // A claim took it back before the write's answer came.
  auto& again = set.adopt(record(1, job_state::processing, 2, "me"));
  again.leaving = true;
  set.settle(w, 1);
  CHECK(held(set, 1).durable == running2);
  CHECK(again.sealed == running2);
}

TEST_CASE("working set re-adopted entry with a newer write in flight "
          "ignores the settle of a write sealed before",
          "[working_set]") {
  // The contract: writes sealed before the adoption are history. Once the
  // re-adopted entry has sealed a write of its own (sealed_seq 7), the
  // check `sealed_seq < seq` no longer tells the old write (seq 5) from an
  // earlier write of the same adoption, so durable becomes the old fence.
  auto set = holding(1);
  const auto old_write = write(set, 1, running1, 5);
  set.adopt(record(1, job_state::processing, 2, "me"));
  write(set, 1, job_fence{job_state::retrying, 2, ""}, 7);
  set.settle(old_write, 5);
  CHECK(held(set, 1).durable == running2);
  CHECK(held(set, 1).sealed_seq == 7);
}

// --- rewind ------------------------------------------------------------------

TEST_CASE("working set rewind writes the entry again fenced on what is "
          "durable",
          "[working_set]") {
  auto set = holding(1);
  auto& entry = *set.find(1);
  const auto w1 = write(set, 1, running1, 1);
  set.settle(w1, 1);
  write(set, 1, retrying1, 2);
  set.rewind(1, 2);
  CHECK(entry.sealed == running1);
  CHECK(entry.durable == running1);
  CHECK(entry.sealed_seq == 0);
  CHECK(entry.dirty);
  const auto t = seal(set, 3);
  REQUIRE(t.writes.size() == 1);
  CHECK(t.writes[0].expected == running1);
  CHECK(t.writes[0].record.state == job_state::retrying);
  CHECK(entry.sealed == retrying1);
}

TEST_CASE("working set rewind of the first of two lost writes rewinds to "
          "the last durable fence",
          "[working_set]") {
  auto set = holding(1);
  auto& entry = *set.find(1);
  write(set, 1, running1, 1);
  write(set, 1, retrying1, 2);
  // Both turns were lost together; the supervisor rewinds each.
  set.rewind(1, 1);
  set.rewind(1, 2);
  CHECK(entry.sealed == pending0);
  const auto t = seal(set, 3);
  REQUIRE(t.writes.size() == 1); // dirty once, written once
  CHECK(t.writes[0].expected == pending0);
}

TEST_CASE("working set rewind of a write that already settled does nothing",
          "[working_set]") {
  auto set = holding(1);
  auto& entry = *set.find(1);
  const auto w = write(set, 1, running1, 1);
  set.settle(w, 1);
  set.rewind(1, 1);
  CHECK_FALSE(entry.dirty);
  CHECK(entry.sealed == running1);
  CHECK(seal(set, 2).writes.empty());
}

TEST_CASE("working set rewound removal is sealed as a removal again",
          "[working_set]") {
  working_set set;
  auto& entry = to_remove(set, 1);
  REQUIRE(seal(set, 1).removals.size() == 1);
  set.rewind(1, 1);
  CHECK(entry.dirty);
  CHECK(entry.removing);
  const auto t = seal(set, 2);
  CHECK(t.writes.empty());
  REQUIRE(t.removals.size() == 1);
  CHECK(t.removals[0].expected == job_fence{job_state::completed, 1, ""});
}

TEST_CASE("working set ignores the late settle of a rewound write",
          "[working_set]") {
  working_set set;
  sealed_write w;
  auto& entry = leaving_after_one_write(set, 1, w);
  set.rewind(1, 1);
  set.settle(w, 1); // an answer of the lost epoch: never applied
  REQUIRE(set.find(1) == &entry);
  CHECK(entry.durable == pending0);
  CHECK(entry.dirty);
}

TEST_CASE("working set rewind of a job it does not hold does nothing",
          "[working_set]") {
  working_set set;
  set.rewind(1, 1);
  CHECK(set.size() == 0);
  CHECK(seal(set, 1).written.empty());
}
