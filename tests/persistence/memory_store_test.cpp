#include "jobrt/persistence/memory_store.hpp"

#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace jobrt;
using namespace jobrt::test;

TEST_CASE("memory store: committed records come back in id order",
          "[memory_store]") {
  memory_store store;
  auto batch = upserting({full_job(2), plain_job(1)});
  REQUIRE(store.commit(batch));
  auto snapshot = store.load();
  REQUIRE(snapshot);
  REQUIRE(snapshot.value().jobs.size() == 2);
  CHECK(snapshot.value().jobs[0] == plain_job(1));
  CHECK(snapshot.value().jobs[1] == full_job(2));
  CHECK(snapshot.value().last_id == 2);
  CHECK(store.commits() == 1);
}

TEST_CASE("memory store: an upsert replaces the record", "[memory_store]") {
  memory_store store;
  auto first = upserting({plain_job(1)});
  REQUIRE(store.commit(first));
  auto changed = plain_job(1);
  changed.state = job_state::completed;
  changed.output = "done";
  auto second = upserting({changed});
  REQUIRE(store.commit(second));
  CHECK(store.find(1) == changed);
  CHECK(store.size() == 1);
}

TEST_CASE("memory store: removals drop records but not last_id",
          "[memory_store]") {
  memory_store store;
  auto batch = upserting({plain_job(1), plain_job(2), plain_job(3)});
  REQUIRE(store.commit(batch));
  auto removal = removing({3, 1});
  REQUIRE(store.commit(removal));
  auto snapshot = store.load();
  REQUIRE(snapshot);
  REQUIRE(snapshot.value().jobs.size() == 1);
  CHECK(snapshot.value().jobs[0].id == 2);
  CHECK(snapshot.value().last_id == 3);
  CHECK_FALSE(store.find(3));
}

} // namespace
