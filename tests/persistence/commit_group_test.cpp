// Group commit's merging: several turns' batches become one, keeping only
// each record's newest version, with removals winning.

#include "jobrt/persistence/commit_group.hpp"

#include <catch2/catch.hpp>

using namespace jobrt;

namespace {

job record(job_id id, job_state state) {
  job j;
  j.id = id;
  j.type = "t";
  j.breaker_key = "t";
  j.state = state;
  return j;
}

} // namespace

TEST_CASE("a group keeps the newest version of each record, in first order",
          "[persistence][group_commit]") {
  commit_group group;
  store_batch first;
  first.upserts = {record(1, job_state::pending), record(2, job_state::pending)};
  group.add(first);
  CHECK(first.empty());
  store_batch second;
  second.upserts = {record(1, job_state::processing), record(3, job_state::pending)};
  group.add(second);
  store_batch third;
  third.upserts = {record(1, job_state::completed)};
  group.add(third);
  CHECK(group.turns() == 3);
  auto merged = group.take();
  REQUIRE(merged.upserts.size() == 3);
  CHECK(merged.upserts[0].id == 1);
  CHECK(merged.upserts[0].state == job_state::completed);
  CHECK(merged.upserts[1].id == 2);
  CHECK(merged.upserts[2].id == 3);
  CHECK(group.empty());
  CHECK(group.take().empty());
}

TEST_CASE("a removal drops the upserts of the same job before it",
          "[persistence][group_commit]") {
  commit_group group;
  store_batch first;
  first.upserts = {record(1, job_state::completed), record(2, job_state::dead)};
  group.add(first);
  store_batch second;
  second.removals = {1, 7};
  group.add(second);
  auto merged = group.take();
  REQUIRE(merged.upserts.size() == 1);
  CHECK(merged.upserts[0].id == 2);
  CHECK(merged.removals == std::vector<job_id>{1, 7});
  // The group starts afresh after take().
  store_batch third;
  third.upserts = {record(1, job_state::completed)};
  group.add(third);
  CHECK(group.take().upserts.size() == 1);
}
