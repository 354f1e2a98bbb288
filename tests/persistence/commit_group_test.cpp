// Group commit's merging: several turns' batches become one, with the
// answer's shape kept: inserts and claims in order, one write per job (the
// first fence, the last record), removals taking over the fence of the
// writes they drop.

#include "jobrt/persistence/commit_group.hpp"

#include <catch2/catch.hpp>

using namespace jobrt;

namespace {

job record(job_id id, job_state state, std::int32_t attempt = 0) {
  job j;
  j.id = id;
  j.type = "t";
  j.breaker_key = "t";
  j.state = state;
  j.attempt = attempt;
  return j;
}

job_write write_of(const job& next, const job& from) {
  return job_write{next, job_fence::of(from)};
}

claim_request claim_as(std::string owner) {
  claim_request r;
  r.owner = std::move(owner);
  return r;
}

} // namespace

TEST_CASE("a group concatenates inserts and claims in turn order",
          "[persistence][group_commit]") {
  commit_group group;
  store_batch first;
  first.inserts = {record(0, job_state::pending)};
  first.claims = {claim_as("a")};
  first.epoch = 3;
  group.add(first);
  CHECK(first.empty());
  store_batch second;
  second.inserts = {record(0, job_state::scheduled),
                    record(0, job_state::processing)};
  second.claims = {claim_as("b")};
  second.epoch = 1;
  group.add(second);
  CHECK(group.turns() == 2);

  auto merged = group.take();
  REQUIRE(merged.inserts.size() == 3);
  CHECK(merged.inserts[0].state == job_state::pending);
  CHECK(merged.inserts[1].state == job_state::scheduled);
  CHECK(merged.inserts[2].state == job_state::processing);
  REQUIRE(merged.claims.size() == 2);
  CHECK(merged.claims[0].owner == "a");
  CHECK(merged.claims[1].owner == "b");
  CHECK(merged.epoch == 3);
  CHECK(group.empty());
  CHECK(group.take().empty());
}

TEST_CASE("a group writes each job once: the first write's fence with the "
          "last write's record",
          "[persistence][group_commit]") {
  commit_group group;
  auto pending = record(1, job_state::pending);
  auto running = record(1, job_state::processing, 1);
  auto done = record(1, job_state::completed, 1);
  auto other = record(2, job_state::pending);
  store_batch first;
  first.writes = {write_of(running, pending),
                  write_of(record(2, job_state::cancelled), other)};
  group.add(first);
  store_batch second;
  second.writes = {write_of(done, running)};
  group.add(second);

  auto merged = group.take();
  REQUIRE(merged.writes.size() == 2);
  CHECK(merged.writes[0].record == done);
  CHECK(merged.writes[0].expected == job_fence::of(pending));
  CHECK(merged.writes[1].record.state == job_state::cancelled);
  CHECK(merged.writes[1].expected == job_fence::of(other));
}

TEST_CASE("a removal drops the writes of its job before it and takes over "
          "their fence",
          "[persistence][group_commit]") {
  commit_group group;
  auto running = record(1, job_state::processing, 1);
  auto done = record(1, job_state::completed, 1);
  store_batch first;
  first.writes = {write_of(done, running),
                  write_of(record(2, job_state::dead), record(2, job_state::pending))};
  group.add(first);
  store_batch second;
  second.removals = {job_removal{1, job_fence::of(done)},
                     job_removal{7, {job_state::dead, 2, ""}}};
  group.add(second);

  auto merged = group.take();
  REQUIRE(merged.writes.size() == 1);
  CHECK(merged.writes[0].record.id == 2);
  REQUIRE(merged.removals.size() == 2);
  CHECK(merged.removals[0].id == 1);
  // The store still holds job 1 as the write found it: processing.
  CHECK(merged.removals[0].expected == job_fence::of(running));
  CHECK(merged.removals[1].expected == job_fence{job_state::dead, 2, ""});

  // The group starts afresh after take().
  store_batch third;
  third.writes = {write_of(done, running)};
  group.add(third);
  CHECK(group.take().writes.size() == 1);
}

TEST_CASE("a group keeps the latest renewal, rescue, stage and purge",
          "[persistence][group_commit]") {
  commit_group group;
  store_batch first;
  first.renewal = lease_renewal{"a", time_point{duration{1}}};
  first.stage = stage_request{time_point{duration{10}}};
  first.purge = purge_request{};
  group.add(first);
  store_batch second;
  second.renewal = lease_renewal{"a", time_point{duration{2}}};
  second.rescue = rescue_request{"a", time_point{duration{5}}, 10};
  group.add(second);

  auto merged = group.take();
  REQUIRE(merged.renewal);
  CHECK(merged.renewal->until == time_point{duration{2}});
  REQUIRE(merged.rescue);
  CHECK(merged.rescue->limit == 10);
  REQUIRE(merged.stage);
  CHECK(merged.stage->until == time_point{duration{10}});
  CHECK(merged.purge);
}

TEST_CASE("a group concatenates posted commands and takes commands once if "
          "any turn asks",
          "[persistence][group_commit]") {
  auto cancel = [](job_id id) {
    return operator_command{id, operator_command::kind_type::cancel, {}};
  };
  commit_group group;
  store_batch first;
  first.post_commands = {cancel(3)};
  first.take_commands = true;
  group.add(first);
  CHECK(first.empty());
  store_batch second;
  second.post_commands = {cancel(1), cancel(3)};
  group.add(second);

  auto merged = group.take();
  CHECK(merged.post_commands ==
        std::vector<operator_command>{cancel(3), cancel(1), cancel(3)});
  CHECK(merged.take_commands);
  CHECK(merged.row_writes() == 3);
  CHECK_FALSE(group.take().take_commands);
}
