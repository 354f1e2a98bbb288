#pragma once

// A supervisor whose store is a flaky_store behind a store actor, as with a
// store on disk: tests make commits fail and look at what is durable.

#include "flaky_store.hpp"
#include "supervisor_fixture.hpp"

namespace jobrt::testing {

struct flaky_fixture : supervisor_fixture {
  flaky_fixture() {
    other_store = flaky;
    inline_commit = false;
  }

  std::optional<job> durable(job_id id) const { return flaky->durable.find(id); }

  std::shared_ptr<flaky_store> flaky = std::make_shared<flaky_store>();
};

} // namespace jobrt::testing
