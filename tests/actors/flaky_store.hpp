#pragma once

// A memory store that fails on command, as a full or broken disk would, and
// lets a test look at what is durable at any moment. It does not block, so
// its store actor runs on the deterministic test coordinator.

#include "jobrt/persistence/memory_store.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace jobrt::testing {

class flaky_store final : public job_store {
public:
  std::string_view name() const noexcept override { return "flaky"; }
  bool blocks_on_io() const noexcept override { return false; }
  std::size_t max_payload_bytes() const noexcept override { return limit; }

  result<store_snapshot, store_error> load() override { return durable.load(); }

  result<void, store_error> commit(store_batch& batch) override {
    ++attempts;
    if (refuse_record)
      for (const auto& r : batch.upserts)
        if (refuse_record(r))
          return store_error{store_error::code_type::too_large,
                             "job " + std::to_string(r.id) +
                                 ": the record is too large (simulated)",
                             r.id};
    if (successes_first > 0) {
      --successes_first;
    } else if (failures_left > 0) {
      --failures_left;
      return store_error{store_error::code_type::io,
                         "the database is full (simulated)"};
    }
    rows += batch.upserts.size() + batch.removals.size();
    return durable.commit(batch);
  }

  /// After `after` more successful commits, the next `n` commits fail.
  void fail_next(int n, int after = 0) {
    failures_left = n;
    successes_first = after;
  }

  /// A record for which this says true fails its whole batch, naming it,
  /// as a record over SQLite's limits would.
  std::function<bool(const job&)> refuse_record;
  memory_store durable;
  int failures_left = 0;
  int successes_first = 0;
  std::uint64_t attempts = 0;
  std::uint64_t rows = 0;
  std::size_t limit = SIZE_MAX;
};

} // namespace jobrt::testing
