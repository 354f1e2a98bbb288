// What only the memory store offers: inspection for tests (find, size,
// commits) and a commit that never waits on I/O. The contract itself is
// store_conformance_test.cpp's.

#include "jobrt/persistence/memory_store.hpp"

#include "persistence/store_samples.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace jobrt;
using namespace jobrt::test;

TEST_CASE("memory store: find, size and commits inspect the table",
          "[memory_store]") {
  memory_store store;
  CHECK_FALSE(store.blocks_on_io());
  CHECK(store.size() == 0);
  CHECK(insert(store, {plain_job(1), full_job(2)}) ==
        std::vector<job_id>{1, 2});
  CHECK(store.commits() == 1);
  CHECK(store.size() == 2);
  CHECK(store.find(2) == full_job(2));
  CHECK_FALSE(store.find(3));

  // An empty batch still counts: the runtime's turns are what it counts.
  store_batch nothing;
  REQUIRE(store.commit(nothing));
  CHECK(store.commits() == 2);
}

TEST_CASE("memory store: a reader taken later sees everything committed "
          "before, as a restarted runtime does",
          "[memory_store]") {
  memory_store store;
  insert(store, {plain_job(1)});
  auto first = store.reader();
  insert(store, {plain_job(2)});
  auto later = store.reader();
  CHECK(stored_jobs(*first) == stored_jobs(*later));
  CHECK(ids_of(stored_jobs(*later)) == std::vector<job_id>{1, 2});
}

} // namespace
