// The store contract (persistence/job_store.hpp, messages/store_batch.hpp),
// case by case, against every store: each case runs once per entry of
// store_kinds(). A new backend (PostgreSQL) joins by adding its factory
// there; it is conformant when every case passes for it too.

#include "jobrt/actors/transitions.hpp"
#include "jobrt/persistence/memory_store.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include "persistence/postgres_server.hpp"
#include "persistence/scratch_dir.hpp"
#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace jobrt;
using namespace jobrt::test;
using namespace std::chrono_literals;
using refusal_code = write_refusal::code_type;

/// The limit of the stores that have one: small, so a test can exceed it.
constexpr std::size_t record_limit = 1024;

struct store_kind {
  std::string name;
  std::function<std::unique_ptr<job_store>(const scratch_dir&)> open;
};

std::vector<store_kind> store_kinds() {
  std::vector<store_kind> kinds{
      {"memory",
       [](const scratch_dir&) -> std::unique_ptr<job_store> {
         return std::make_unique<memory_store>();
       }},
      {"sqlite",
       [](const scratch_dir& dir) -> std::unique_ptr<job_store> {
         sqlite_options options;
         options.max_payload_bytes = record_limit;
         return open_store(dir.file("jobs.db"), options);
       }},
  };
  // PostgreSQL where a server is given (postgres_server.hpp); in CI it must
  // be, and a missing one fails every case.
  auto uri = postgres_uri();
  if (uri || postgres_required())
    kinds.push_back(
        {"postgresql", [uri](const scratch_dir&) -> std::unique_ptr<job_store> {
           if (!uri)
             FAIL("JOBRT_TEST_POSTGRES is not set, and JOBRT_REQUIRE_POSTGRES=1");
           postgres_options options;
           options.max_payload_bytes = record_limit;
           options.database_clock = false; // the cases run on their own time
           return std::make_unique<scratch_postgres_store>(*uri, options);
         }});
  else
    WARN("PostgreSQL cases skipped: no server (set JOBRT_TEST_POSTGRES)");
  return kinds;
}

const time_point t0 = at_ms(1'700'000'000'000);
const time_point now = t0 + 1h;

/// One store under test, with its reader.
class subject {
public:
  explicit subject(const store_kind& kind)
    : store_(kind.open(dir_)), reader_(store_->reader()) {}

  job_store& store() { return *store_; }
  job_reader& reader() { return *reader_; }

  store_receipt commit(store_batch batch) {
    return test::commit(*store_, std::move(batch));
  }
  std::vector<job_id> insert(std::vector<job> jobs) {
    return test::insert(*store_, std::move(jobs));
  }
  job_id insert_one(job j) { return insert({std::move(j)}).at(0); }

  /// The stored record, which must exist.
  job stored(job_id id) {
    auto found = stored_job(*reader_, id);
    REQUIRE(found);
    return *found;
  }
  bool exists(job_id id) { return stored_job(*reader_, id).has_value(); }
  std::uint64_t count(job_state state) {
    auto counts = reader_->count_by_state();
    REQUIRE(counts);
    return counts.value()[static_cast<std::size_t>(state)];
  }

private:
  scratch_dir dir_; // outlives the store
  std::unique_ptr<job_store> store_;
  std::shared_ptr<job_reader> reader_;
};

// Runs the rest of the test case once per store; failures name the store.
#define EVERY_STORE(s)                                                         \
  auto kind = GENERATE(from_range(store_kinds()));                             \
  INFO("store: " << kind.name);                                                \
  subject s { kind }

/// A job in `state` as the runtime would hold it; `id` only orders run_at.
job in_state(job_state state, job_id id = 1, std::string type = "email") {
  auto j = plain_job(id, std::move(type));
  j.state = state;
  if (state == job_state::processing) {
    j.attempt = 1;
    j.owner = "runtime-a";
    j.lease_until = now + 1min;
  }
  if (is_terminal(state))
    j.finished_at = j.run_at;
  return j;
}

/// A processing job that `owner` runs, its claim holding until `lease`.
job owned_by(std::string owner, std::optional<time_point> lease = now + 1min) {
  auto j = in_state(job_state::processing);
  j.owner = std::move(owner);
  j.lease_until = lease;
  return j;
}

job with_id(job j, job_id id) {
  j.id = id;
  return j;
}

claim_request claim_for(std::vector<claim_request::type_slots> types,
                        std::int32_t total = 100) {
  claim_request r;
  r.owner = "runtime-a";
  r.now = now;
  r.lease_until = now + 30s;
  r.types = std::move(types);
  r.pool_slots = 100;
  r.total = total;
  return r;
}

/// The claim's answer; the batch holds just that claim.
claim_outcome claim(subject& s, claim_request request) {
  store_batch batch;
  batch.claims.push_back(std::move(request));
  auto receipt = s.commit(std::move(batch));
  REQUIRE(receipt.claimed.size() == 1);
  return std::move(receipt.claimed.front());
}

store_batch staging(stage_request r) {
  store_batch batch;
  batch.stage = r;
  return batch;
}

std::vector<job> rescued(subject& s, const std::string& owner, time_point at,
                         std::size_t limit = 1000) {
  store_batch batch;
  batch.rescue = rescue_request{owner, at, limit};
  return s.commit(std::move(batch)).rescued;
}

std::uint64_t purged(subject& s, purge_request r) {
  store_batch batch;
  batch.purge = r;
  return s.commit(std::move(batch)).purged;
}

/// `j` moved by `event` at `now`, which the transition table must allow.
job after(const job& j, const job_event& event) {
  auto next = apply_event(j, event, now);
  REQUIRE(next);
  return next.value();
}

} // namespace

// -- inserts and ids ------------------------------------------------------------

TEST_CASE("conformance: ids are assigned in order and never reused, not "
          "even after a purge",
          "[conformance]") {
  EVERY_STORE(s);
  CHECK(s.insert({plain_job(7), plain_job(7), plain_job(7)}) ==
        std::vector<job_id>{1, 2, 3});
  CHECK(s.insert({plain_job(7)}) == std::vector<job_id>{4});

  auto last = s.stored(4);
  auto done = last;
  done.state = job_state::completed;
  done.finished_at = t0;
  s.commit(writing(done, last));
  CHECK(purged(s, purge_request{now, 0ms, {}, {}, 10}) == 1);
  CHECK_FALSE(s.exists(4));
  CHECK(s.insert_one(plain_job(7)) == 5);
}

TEST_CASE("conformance: an inserted job is stored as given, with the id "
          "the store chose",
          "[conformance]") {
  EVERY_STORE(s);
  auto record = full_job(42);
  auto id = s.insert_one(record);
  CHECK(id == 1);
  CHECK(s.stored(id) == with_id(record, id));
  auto running = in_state(job_state::processing);
  id = s.insert_one(running);
  CHECK(s.stored(id) == with_id(running, id));
}

TEST_CASE("conformance: a unique key a live job holds returns that job, and a "
          "finished holder frees it",
          "[conformance]") {
  EVERY_STORE(s);
  auto keyed = [](std::string key) {
    auto j = plain_job(1);
    j.unique_key = std::move(key);
    return j;
  };
  auto first = s.insert_one(keyed("k"));

  // Within one batch too: the second "j" finds the first.
  auto receipt =
      s.commit(inserting({keyed("k"), keyed("j"), keyed("j"), plain_job(2)}));
  REQUIRE(receipt.inserted.size() == 4);
  CHECK(receipt.inserted[0].id == first);
  CHECK(receipt.inserted[0].existing);
  CHECK_FALSE(receipt.inserted[1].existing);
  auto holder_of_j = receipt.inserted[1].id;
  CHECK(receipt.inserted[2].id == holder_of_j);
  CHECK(receipt.inserted[2].existing);
  CHECK(receipt.inserted[3].id == holder_of_j + 1);
  CHECK(s.count(job_state::pending) == 3);

  auto held = s.stored(first);
  auto dead = held;
  dead.state = job_state::dead;
  dead.finished_at = now;
  s.commit(writing(dead, held));
  auto second = s.insert_one(keyed("k"));
  CHECK(second > holder_of_j + 1);

  // Requeueing the finished holder while another holds the key: a record
  // the store cannot hold.
  auto requeued = after(dead, events::requeue{});
  auto refused = s.commit(writing(requeued, dead)).refused;
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].id == first);
  CHECK(refused[0].code == refusal_code::record);
  CHECK(refused[0].found == job_fence::of(dead));
  REQUIRE(refused[0].error);
  CHECK(refused[0].error->code == store_error::code_type::conflict);
  CHECK_THAT(refused[0].error->message, Catch::Contains("unique key 'k'"));
  CHECK(s.stored(first) == dead);
}

TEST_CASE("conformance: a record over the store's limit is refused alone and "
          "the rest of the batch is written",
          "[conformance]") {
  EVERY_STORE(s);
  if (s.store().max_payload_bytes() == SIZE_MAX) {
    SUCCEED("this store holds records of any size");
    return;
  }
  auto big = plain_job(2);
  big.payload.assign(s.store().max_payload_bytes() + 1, 'p');
  auto receipt = s.commit(inserting({plain_job(1), big, plain_job(3)}));
  REQUIRE(receipt.inserted.size() == 3);
  CHECK(receipt.inserted[0].id == 1);
  REQUIRE(receipt.inserted[1].refused);
  CHECK(receipt.inserted[1].refused->code == store_error::code_type::too_large);
  CHECK_THAT(receipt.inserted[1].refused->message, Catch::Contains("payload"));
  CHECK(receipt.inserted[2].id == 2); // the refused one took no id
  CHECK(ids_of(stored_jobs(s.reader())) == std::vector<job_id>{1, 2});

  auto first = s.stored(1);
  auto second = s.stored(2);
  auto too_big = first;
  too_big.state = job_state::completed;
  too_big.output = std::string(s.store().max_payload_bytes() + 1, 'o');
  auto fine = second;
  fine.priority = 3;
  store_batch batch = writing(too_big, first);
  batch.writes.push_back(job_write{fine, job_fence::of(second)});
  auto refused = s.commit(std::move(batch)).refused;
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].id == 1);
  CHECK(refused[0].code == refusal_code::record);
  CHECK(refused[0].found == job_fence::of(first));
  REQUIRE(refused[0].error);
  CHECK(refused[0].error->code == store_error::code_type::too_large);
  CHECK(s.stored(1) == first);
  CHECK(s.stored(2) == fine);
}

// -- fenced writes and removals ---------------------------------------------------

TEST_CASE("conformance: a write whose fence holds replaces the whole record",
          "[conformance]") {
  EVERY_STORE(s);
  auto id = s.insert_one(plain_job(1));
  auto stored = s.stored(id);
  auto changed = full_job(id);
  changed.unique_key = "other-key";
  changed.owner = "runtime-z";
  changed.lease_until = now;
  auto receipt = s.commit(writing(changed, stored));
  CHECK(receipt.refused.empty());
  CHECK(s.stored(id) == changed);
  CHECK(s.count(job_state::pending) == 0);
  CHECK(s.count(job_state::dead) == 1);
}

TEST_CASE("conformance: a write whose fence does not hold is refused with "
          "why, and the stored record stays as it was",
          "[conformance]") {
  EVERY_STORE(s);
  auto running = in_state(job_state::processing);
  running.attempt = 2;
  auto id = s.insert_one(running);
  auto other = s.insert_one(plain_job(2));
  auto stored = s.stored(id);
  auto bystander = s.stored(other);

  auto changed = stored;
  changed.state = job_state::completed;
  changed.finished_at = now;
  auto expect = [&](job_fence fence, job_id target, refusal_code code) {
    changed.id = target;
    auto moved = bystander;
    moved.priority = 4;
    store_batch batch;
    batch.writes.push_back(job_write{changed, std::move(fence)});
    batch.writes.push_back(job_write{moved, job_fence::of(bystander)});
    auto refused = s.commit(std::move(batch)).refused;
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].id == target);
    CHECK(refused[0].code == code);
    CHECK_FALSE(refused[0].error);
    if (code == refusal_code::not_found)
      CHECK_FALSE(refused[0].found);
    else
      CHECK(refused[0].found == job_fence::of(stored));
    CHECK(s.stored(id) == stored);
    CHECK(s.stored(other) == moved); // the rest of the batch was written
  };
  SECTION("another state") {
    expect({job_state::pending, 2, "runtime-a"}, id, refusal_code::state_changed);
  }
  SECTION("another attempt") {
    expect({job_state::processing, 1, "runtime-a"}, id,
           refusal_code::stale_attempt);
  }
  SECTION("decided under a lease another owner holds now, whatever else "
          "changed: the lease is what was lost") {
    expect({job_state::processing, 1, "runtime-z"}, id, refusal_code::lost_lease);
    expect({job_state::retrying, 1, "runtime-z"}, id, refusal_code::lost_lease);
  }
  SECTION("the same attempt, but another owner holds it") {
    expect({job_state::processing, 2, "runtime-b"}, id, refusal_code::lost_lease);
  }
  SECTION("no such job") {
    expect(job_fence::of(stored), 99, refusal_code::not_found);
  }
}

TEST_CASE("conformance: a removal is fenced",
          "[conformance]") {
  EVERY_STORE(s);
  auto id = s.insert_one(full_job(1));
  auto stored = s.stored(id);
  store_batch stale;
  stale.removals.push_back(job_removal{id, {job_state::completed, 3, ""}});
  auto refused = s.commit(std::move(stale)).refused;
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == refusal_code::state_changed);
  CHECK(s.stored(id) == stored);

  CHECK(s.commit(removing(stored)).refused.empty());
  CHECK_FALSE(s.exists(id));
  refused = s.commit(removing(stored)).refused;
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == refusal_code::not_found);
  CHECK(s.count(job_state::dead) == 0);
}

// -- claims -----------------------------------------------------------------------

TEST_CASE("conformance: a claim takes ready jobs of the listed types in "
          "priority, run_at, id order",
          "[conformance]") {
  EVERY_STORE(s);
  auto ready = [](std::int32_t priority, time_point run_at,
                  std::string type = "email") {
    auto j = plain_job(1, std::move(type));
    j.priority = priority;
    j.run_at = run_at;
    return j;
  };
  auto ids = s.insert({ready(5, t0 + 1ms), ready(0, t0 + 50ms),
                       ready(0, t0 + 10ms), ready(0, t0 + 10ms),
                       ready(0, now + 1min),           // not yet
                       ready(0, t0, "report")});       // not asked for
  std::vector<job> before;
  for (auto id : ids)
    before.push_back(s.stored(id));

  auto outcome = claim(s, claim_for({{"email", 10}}));
  CHECK(ids_of(outcome.jobs) == std::vector<job_id>{3, 4, 2, 1});
  CHECK(outcome.more.empty());
  // Each claimed job is what the transition table makes of it, and stored.
  for (const auto& j : outcome.jobs) {
    auto expected = after(before[static_cast<std::size_t>(j.id - 1)],
                          events::dispatch{"runtime-a", now + 30s});
    CHECK(j == expected);
    CHECK(j.state == job_state::processing);
    CHECK(j.attempt == 1);
    CHECK(j.owner == "runtime-a");
    CHECK(j.lease_until == now + 30s);
    CHECK(s.stored(j.id) == j);
  }
  CHECK(s.count(job_state::processing) == 4);
  CHECK(s.stored(5) == before[4]);
  CHECK(s.stored(6) == before[5]);
  CHECK(claim(s, claim_for({{"email", 10}})).jobs.empty());
}

TEST_CASE("conformance: a claim keeps within every budget and reports the "
          "types it left jobs of",
          "[conformance]") {
  EVERY_STORE(s);
  auto job_of = [](job_id order, std::string type, std::string queue = "default",
                   std::string breaker = "") {
    auto j = plain_job(order, type);
    j.queue = std::move(queue);
    j.breaker_key = breaker.empty() ? type : std::move(breaker);
    return j;
  };
  SECTION("slots per type") {
    s.insert({job_of(1, "email"), job_of(2, "email"), job_of(3, "email"),
              job_of(4, "report")});
    auto outcome = claim(s, claim_for({{"email", 2}, {"report", 5}}));
    CHECK(ids_of(outcome.jobs) == std::vector<job_id>{1, 2, 4});
    CHECK(outcome.more == std::vector<std::string>{"email"});
  }
  SECTION("the total") {
    s.insert({job_of(1, "email"), job_of(2, "email"), job_of(3, "email"),
              job_of(4, "report"), job_of(5, "report"), job_of(6, "report")});
    auto outcome = claim(s, claim_for({{"email", 5}, {"report", 5}}, 4));
    CHECK(ids_of(outcome.jobs) == std::vector<job_id>{1, 2, 3, 4});
    CHECK(outcome.more == std::vector<std::string>{"report"});
  }
  SECTION("a queue's free slots") {
    s.insert({job_of(1, "email", "slow"), job_of(2, "email", "slow"),
              job_of(3, "email")});
    auto request = claim_for({{"email", 5}});
    request.queues = {{"slow", 1}, {"idle", 0}};
    auto outcome = claim(s, request);
    CHECK(ids_of(outcome.jobs) == std::vector<job_id>{1, 3});
    CHECK(outcome.more == std::vector<std::string>{"email"});
  }
  SECTION("breaker keys: open admits none, half-open its probes, closed "
          "(unlisted) all") {
    s.insert({job_of(1, "email", "default", "smtp-eu"),
              job_of(2, "email", "default", "smtp-us"),
              job_of(3, "email", "default", "smtp-us"),
              job_of(4, "email", "default", "smtp-asia")});
    auto request = claim_for({{"email", 5}});
    request.breakers = {{"smtp-eu", 0}, {"smtp-us", 1}};
    auto outcome = claim(s, request);
    CHECK(ids_of(outcome.jobs) == std::vector<job_id>{2, 4});
    CHECK(outcome.more == std::vector<std::string>{"email"});
    CHECK(s.stored(1).state == job_state::pending);
  }
  SECTION("the worker pool, for the types that use it") {
    s.insert({job_of(1, "email"), job_of(2, "email"), job_of(3, "report"),
              job_of(4, "report")});
    auto request = claim_for({{"email", 5, true}, {"report", 5, false}});
    request.pool_slots = 1;
    auto outcome = claim(s, request);
    CHECK(ids_of(outcome.jobs) == std::vector<job_id>{1, 3, 4});
    CHECK(outcome.more == std::vector<std::string>{"email"});
  }
  SECTION("ready jobs beyond what the store looked at are reported") {
    std::vector<job> many(40, job_of(1, "email"));
    s.insert(many);
    auto outcome = claim(s, claim_for({{"email", 1}, {"report", 1}}));
    CHECK(outcome.jobs.size() == 1);
    CHECK(outcome.more == std::vector<std::string>{"email"});
  }
  SECTION("nothing left behind, nothing reported") {
    s.insert({job_of(1, "email"), job_of(2, "report")});
    auto outcome = claim(s, claim_for({{"email", 5}, {"report", 5}}));
    CHECK(outcome.jobs.size() == 2);
    CHECK(outcome.more.empty());
  }
}

TEST_CASE("conformance: a claim meets the transition table: a job without "
          "attempts left is not started and takes no slot",
          "[conformance]") {
  EVERY_STORE(s);
  auto spent = plain_job(1);
  spent.attempt = spent.max_attempts;
  auto fresh = plain_job(2);
  fresh.priority = 1; // behind the spent one
  auto ids = s.insert({spent, fresh});
  auto before = s.stored(ids[0]);
  auto outcome = claim(s, claim_for({{"email", 1}}));
  CHECK(ids_of(outcome.jobs) == std::vector<job_id>{ids[1]});
  CHECK(s.stored(ids[0]) == before);
}

TEST_CASE("conformance: a claim takes pending jobs only: waiting ones past "
          "their run_at wait for `due` (a shared store's claim makes them "
          "due), the others are not runnable",
          "[conformance]") {
  EVERY_STORE(s);
  std::vector<job> others;
  for (auto state : all_job_states)
    if (state != job_state::pending)
      others.push_back(in_state(state));
  auto ids = s.insert(others);
  auto before = stored_jobs(s.reader());
  auto taken = claim(s, claim_for({{"email", 10}})).jobs;
  if (!s.store().shared()) {
    CHECK(taken.empty());
    CHECK(stored_jobs(s.reader()) == before);
    return;
  }
  // Shared (several nodes): no node stages what another may take, so the
  // claim runs `due` and then `dispatch` on the waiting ones that came due.
  std::vector<job_id> expected;
  for (std::size_t i = 0; i < others.size(); ++i)
    if (others[i].state == job_state::scheduled ||
        others[i].state == job_state::retrying)
      expected.push_back(ids[i]);
  CHECK(ids_of(taken) == expected);
  for (const auto& j : taken) {
    auto held = with_id(others[static_cast<std::size_t>(
                            std::find(ids.begin(), ids.end(), j.id) - ids.begin())],
                        j.id);
    auto due = apply_event(held, events::due{}, now);
    REQUIRE(due);
    auto started =
        apply_event(due.value(), events::dispatch{"runtime-a", now + 30s}, now);
    REQUIRE(started);
    CHECK(j == started.value());
    CHECK(s.stored(j.id) == started.value());
  }
}

TEST_CASE("conformance: a job inserted already processing is not claimed "
          "again, and only another owner or an expired lease rescues it",
          "[conformance]") {
  EVERY_STORE(s);
  auto running = owned_by("runtime-b");
  auto id = s.insert_one(running);
  CHECK(claim(s, claim_for({{"email", 5}})).jobs.empty());
  CHECK(ids_of(rescued(s, "runtime-a", now)) == std::vector<job_id>{id});
  CHECK(rescued(s, "runtime-b", now).empty());
  CHECK(ids_of(rescued(s, "runtime-b", now + 2min)) == std::vector<job_id>{id});
  CHECK(s.stored(id) == with_id(running, id)); // a rescue changes nothing
}

TEST_CASE("conformance: a claimed job carries its error history, and a "
          "write that adds an error keeps all of it",
          "[conformance]") {
  EVERY_STORE(s);
  auto retried = plain_job(1);
  retried.attempt = 1;
  retried.errors = {attempt_error{1, job_error::transient("http_503", "busy"),
                                  t0 + 5ms}};
  auto id = s.insert_one(retried);
  auto outcome = claim(s, claim_for({{"email", 5}}));
  REQUIRE(outcome.jobs.size() == 1);
  auto running = outcome.jobs[0];
  CHECK(running.errors == retried.errors);
  CHECK(running.attempt == 2);

  auto cancelling = after(running, events::cancel{});
  s.commit(writing(cancelling, running));
  CHECK(s.stored(id).errors == retried.errors);

  auto failed = after(cancelling,
                      events::failure{2, job_error::timeout("ran 30 s"), 1s});
  REQUIRE(failed.errors.size() == 2);
  CHECK(s.commit(writing(failed, cancelling)).refused.empty());
  CHECK(s.stored(id) == failed);
  CHECK(s.stored(id).errors.size() == 2);
}

// -- stage, rescue, renewal, purge ----------------------------------------------

TEST_CASE("conformance: stage finds scheduled and retrying jobs due by the "
          "horizon, after the cursor, in run_at and id order",
          "[conformance]") {
  EVERY_STORE(s);
  auto waiting = [](job_state state, time_point run_at) {
    auto j = in_state(state);
    j.run_at = run_at;
    return j;
  };
  auto retrying = waiting(job_state::retrying, t0 + 100ms);
  retrying.attempt = 1;
  retrying.errors = {attempt_error{1, job_error::transient("x"), t0}};
  s.insert({waiting(job_state::scheduled, t0 + 100ms), retrying,
            waiting(job_state::scheduled, t0 + 200ms),
            waiting(job_state::scheduled, t0 + 900ms),
            waiting(job_state::pending, t0 + 50ms),
            waiting(job_state::processing, t0 + 50ms)});
  auto stage = [&](stage_request r) {
    return ids_of(s.commit(staging(r)).staged);
  };
  CHECK(stage({t0 + 500ms}) == std::vector<job_id>{1, 2, 3});
  CHECK(stage({t0 + 500ms, INT64_MIN, 0, 2}) == std::vector<job_id>{1, 2});
  auto cursor = (t0 + 100ms).time_since_epoch().count();
  CHECK(stage({t0 + 500ms, cursor, 1}) == std::vector<job_id>{2, 3});
  CHECK(stage({t0 + 500ms, cursor, 2}) == std::vector<job_id>{3});
  CHECK(stage({t0 + 99ms}).empty());
  CHECK(stage({t0 + 1s}) == std::vector<job_id>{1, 2, 3, 4});

  auto staged = s.commit(staging({t0 + 100ms})).staged;
  REQUIRE(staged.size() == 2);
  CHECK(staged[1] == with_id(retrying, 2));
}

TEST_CASE("conformance: rescue finds processing jobs of other owners and "
          "expired leases, never the rescuer's live ones",
          "[conformance]") {
  EVERY_STORE(s);
  s.insert({owned_by("me"), owned_by("me", now - 1ms), owned_by("other"),
            owned_by("me", std::nullopt), owned_by("me", now),
            in_state(job_state::pending)});
  auto before = stored_jobs(s.reader());
  CHECK(ids_of(rescued(s, "me", now)) == std::vector<job_id>{2, 3});
  CHECK(ids_of(rescued(s, "me", now, 1)) == std::vector<job_id>{2});
  CHECK(ids_of(rescued(s, "", now)) == std::vector<job_id>{1, 2, 3, 4, 5});
  CHECK(stored_jobs(s.reader()) == before);
}

TEST_CASE("conformance: a renewal extends the leases of one owner's "
          "processing jobs only",
          "[conformance]") {
  EVERY_STORE(s);
  auto mine = owned_by("me", now);
  auto theirs = owned_by("other", now);
  auto ids = s.insert({mine, theirs});
  store_batch batch;
  batch.renewal = lease_renewal{"me", now + 5min};
  s.commit(std::move(batch));
  auto renewed = with_id(mine, ids[0]);
  renewed.lease_until = now + 5min;
  CHECK(s.stored(ids[0]) == renewed);
  CHECK(s.stored(ids[1]) == with_id(theirs, ids[1]));
  CHECK(ids_of(rescued(s, "me", now + 1min)) == std::vector<job_id>{ids[1]});
}

TEST_CASE("conformance: purge removes finished jobs past their state's age, "
          "oldest first, at most the limit per state",
          "[conformance]") {
  EVERY_STORE(s);
  auto finished = [](job_state state, std::optional<time_point> at) {
    auto j = in_state(state);
    j.finished_at = at;
    j.updated_at = t0 + 5ms;
    return j;
  };
  auto oldest = finished(job_state::completed, t0 + 10ms);
  oldest.errors = {attempt_error{1, job_error::transient("x"), t0}};
  auto ids = s.insert({finished(job_state::completed, t0 + 30ms), oldest,
                       finished(job_state::completed, t0 + 20ms),
                       finished(job_state::completed, now - 1ms),
                       finished(job_state::dead, t0),
                       finished(job_state::cancelled, std::nullopt),
                       in_state(job_state::pending)});
  purge_request r{now, 1min, std::nullopt, 1min, 2};
  CHECK(purged(s, r) == 3); // two completed, and the cancelled one by updated_at
  CHECK(ids_of(stored_jobs(s.reader())) ==
        std::vector<job_id>{ids[0], ids[3], ids[4], ids[6]});
  CHECK(purged(s, r) == 1);
  CHECK(purged(s, r) == 0);
  CHECK(ids_of(stored_jobs(s.reader())) ==
        std::vector<job_id>{ids[3], ids[4], ids[6]});
  CHECK(purged(s, purge_request{now, 0ms, 0ms, 0ms, 10}) == 2);
  CHECK(ids_of(stored_jobs(s.reader())) == std::vector<job_id>{ids[6]});
}

// -- operator commands ------------------------------------------------------------

namespace {

operator_command cancel_of(job_id id, time_point at = now) {
  return operator_command{id, operator_command::kind_type::cancel, at};
}

void post(subject& s, std::vector<operator_command> commands) {
  store_batch batch;
  batch.post_commands = std::move(commands);
  auto receipt = s.commit(std::move(batch));
  CHECK(receipt.commands.empty()); // posting takes nothing
}

std::vector<operator_command> take(subject& s) {
  store_batch batch;
  batch.take_commands = true;
  return s.commit(std::move(batch)).commands;
}

} // namespace

TEST_CASE("conformance: posted commands are taken all at once, in the order "
          "posted, and only once",
          "[conformance]") {
  EVERY_STORE(s);
  CHECK(take(s).empty()); // nothing posted yet
  post(s, {cancel_of(7, t0), cancel_of(3, t0 + 1s)});
  post(s, {cancel_of(7, t0 + 2s)}); // a second one for the same job is kept
  auto taken = take(s);
  CHECK(taken == std::vector<operator_command>{
                     cancel_of(7, t0), cancel_of(3, t0 + 1s),
                     cancel_of(7, t0 + 2s)});
  CHECK(take(s).empty());
  post(s, {cancel_of(9)}); // after a take, the order goes on from there
  post(s, {cancel_of(2)});
  CHECK(take(s) == std::vector<operator_command>{cancel_of(9), cancel_of(2)});
}

TEST_CASE("conformance: a command names a job id and changes no job",
          "[conformance]") {
  EVERY_STORE(s);
  auto id = s.insert_one(in_state(job_state::processing));
  auto before = s.stored(id);
  post(s, {cancel_of(id), cancel_of(id + 100)}); // no such job: kept anyway
  CHECK(s.stored(id) == before);
  if (!s.store().shared()) {
    CHECK(take(s) == std::vector<operator_command>{cancel_of(id),
                                                   cancel_of(id + 100)});
  } else {
    // Several owners: a command waits for the owner of the job it names
    // ("runtime-a" here, not this node); one for a job no one runs is
    // anyone's to take (and to ignore).
    CHECK(take(s) == std::vector<operator_command>{cancel_of(id + 100)});
  }
  CHECK(s.stored(id) == before);
}

// -- the verbs of one batch together ------------------------------------------------

TEST_CASE("conformance: one batch applies its verbs in store_batch's order",
          "[conformance]") {
  EVERY_STORE(s);
  auto old_id = s.insert_one(in_state(job_state::completed));
  auto old = s.stored(old_id);
  auto running = s.insert_one(in_state(job_state::processing));
  auto held = s.stored(running);

  store_batch batch;
  batch.inserts = {plain_job(1)};           // claimed below
  auto done = after(held, events::success{1, "ok"});
  done.finished_at = t0;
  batch.writes = {job_write{done, job_fence::of(held)}}; // purged below
  batch.removals = {job_removal{old_id, job_fence::of(old)}};
  batch.rescue = rescue_request{"runtime-b", now, 10}; // sees no processing job
  batch.claims = {claim_for({{"email", 5}})};
  batch.purge = purge_request{now, 1min, {}, {}, 10};
  batch.post_commands = {cancel_of(running)}; // taken below
  batch.take_commands = true;
  auto receipt = s.commit(std::move(batch));
  REQUIRE(receipt.inserted.size() == 1);
  auto inserted = receipt.inserted[0].id;
  CHECK(receipt.refused.empty());
  CHECK(receipt.rescued.empty());
  REQUIRE(receipt.claimed.size() == 1);
  CHECK(ids_of(receipt.claimed[0].jobs) == std::vector<job_id>{inserted});
  CHECK(receipt.purged == 1);
  CHECK(receipt.commands == std::vector<operator_command>{cancel_of(running)});
  CHECK(ids_of(stored_jobs(s.reader())) == std::vector<job_id>{inserted});
}

TEST_CASE("conformance: an empty batch answers an empty receipt",
          "[conformance]") {
  EVERY_STORE(s);
  store_batch batch;
  auto receipt = s.commit(std::move(batch));
  CHECK(receipt.inserted.empty());
  CHECK(receipt.claimed.empty());
  CHECK(receipt.purged == 0);
  CHECK(receipt.commands.empty());
}

// -- the reader -------------------------------------------------------------------

namespace {

/// Ten jobs: types alternate report/email, queues default (1-5) and batch,
/// every third completed, job 4 dead, job 1 with an error history.
std::vector<job> mixed_jobs() {
  std::vector<job> jobs;
  for (job_id id = 1; id <= 10; ++id) {
    auto j = plain_job(id, id % 2 == 0 ? "email" : "report");
    j.queue = id <= 5 ? "default" : "batch";
    j.state = id % 3 == 0 ? job_state::completed : job_state::pending;
    jobs.push_back(j);
  }
  jobs[3].state = job_state::dead;
  jobs[0].errors.push_back(attempt_error{1, job_error::transient("x"), at_ms(1)});
  return jobs;
}

std::vector<job_id> listed(subject& s, const job_query& q,
                           std::optional<job_id> next = std::nullopt) {
  auto page = s.reader().list(q);
  REQUIRE(page);
  CHECK(page.value().next_after == next);
  return ids_of(page.value().jobs);
}

} // namespace

TEST_CASE("conformance: the reader lists by filter in id order, in pages",
          "[conformance]") {
  EVERY_STORE(s);
  auto jobs = mixed_jobs();
  s.insert(jobs);
  job_query q;
  q.limit = 4;
  CHECK(listed(s, q, 4) == std::vector<job_id>{1, 2, 3, 4});
  q.after = 4;
  CHECK(listed(s, q, 8) == std::vector<job_id>{5, 6, 7, 8});
  q.after = 8;
  CHECK(listed(s, q) == std::vector<job_id>{9, 10});
  q.after = 0;
  q.limit = 10;
  CHECK(listed(s, q) == std::vector<job_id>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  auto page = s.reader().list(q);
  REQUIRE(page);
  CHECK(page.value().jobs == jobs); // whole records, histories included

  job_query filtered;
  filtered.state = job_state::pending;
  filtered.type = "email";
  CHECK(listed(s, filtered) == std::vector<job_id>{2, 8, 10});
  filtered.queue = "default";
  CHECK(listed(s, filtered) == std::vector<job_id>{2});
  filtered.limit = 0; // clamped to 1
  filtered.queue.reset();
  CHECK(listed(s, filtered, 2) == std::vector<job_id>{2});
  q.limit = max_page_size * 10;
  CHECK(listed(s, q).size() == 10);
}

TEST_CASE("conformance: the reader counts each state and finds one record",
          "[conformance]") {
  EVERY_STORE(s);
  auto empty = s.reader().count_by_state();
  REQUIRE(empty);
  CHECK(empty.value() == state_counts{});
  s.insert(mixed_jobs());
  s.insert({in_state(job_state::processing), in_state(job_state::scheduled),
            in_state(job_state::retrying), in_state(job_state::cancelled)});
  auto counts = s.reader().count_by_state();
  REQUIRE(counts);
  state_counts expected{};
  auto of = [&](job_state state) -> std::uint64_t& {
    return expected[static_cast<std::size_t>(state)];
  };
  of(job_state::pending) = 6;
  of(job_state::completed) = 3;
  of(job_state::dead) = 1;
  of(job_state::processing) = 1;
  of(job_state::scheduled) = 1;
  of(job_state::retrying) = 1;
  of(job_state::cancelled) = 1;
  CHECK(counts.value() == expected);

  CHECK(s.stored(1) == mixed_jobs()[0]);
  CHECK_FALSE(s.exists(99));
}

TEST_CASE("conformance: the reader counts unfinished jobs per type",
          "[conformance]") {
  EVERY_STORE(s);
  auto none = s.reader().live_by_type();
  REQUIRE(none);
  CHECK(none.value().empty());
  auto finished = plain_job(0, "sms");
  finished.state = job_state::completed;
  finished.finished_at = now;
  auto waiting = plain_job(0, "sms");
  waiting.state = job_state::retrying;
  s.insert({plain_job(0, "email"), plain_job(0, "email"), finished, waiting,
            in_state(job_state::processing)});
  auto counts = s.reader().live_by_type();
  REQUIRE(counts);
  auto processing_type = in_state(job_state::processing).type;
  std::map<std::string, std::uint64_t> expected{{"sms", 1}};
  expected["email"] += 2;
  expected[processing_type] += 1;
  std::vector<type_count> want;
  for (auto& [type, n] : expected)
    want.push_back(type_count{type, n});
  CHECK(counts.value() == want);
}
