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
  std::shared_ptr<job_reader> reader() override { return durable.reader(); }

  result<store_receipt, store_error> commit(store_batch& batch) override {
    ++attempts;
    if (successes_first > 0) {
      --successes_first;
    } else if (failures_left > 0) {
      --failures_left;
      return store_error{store_error::code_type::io,
                         "the database is full (simulated)"};
    }
    rows += batch.row_writes();
    auto refused_inserts = set_aside_inserts(batch);
    auto refused = set_aside(batch);
    BOOST_OUTCOME_TRY(receipt, durable.commit(batch));
    for (auto& r : refused)
      receipt.refused.push_back(std::move(r));
    for (auto& [at, outcome] : refused_inserts)
      receipt.inserted.insert(receipt.inserted.begin() +
                                  static_cast<std::ptrdiff_t>(at),
                              std::move(outcome));
    return receipt;
  }

  /// After `after` more successful commits, the next `n` commits fail.
  void fail_next(int n, int after = 0) {
    failures_left = n;
    successes_first = after;
  }

  /// A written record for which this says true is refused on its own,
  /// naming it, as a record over SQLite's limits would be.
  std::function<bool(const job&)> refuse_record;
  memory_store durable;
  int failures_left = 0;
  int successes_first = 0;
  std::uint64_t attempts = 0;
  std::uint64_t rows = 0;
  std::size_t limit = SIZE_MAX;

private:
  static store_error too_large(const std::string& what) {
    return store_error{store_error::code_type::too_large,
                       what + ": the record is too large (simulated)"};
  }

  /// Refused new jobs, with their places among the batch's inserts.
  std::vector<std::pair<std::size_t, insert_outcome>>
  set_aside_inserts(store_batch& batch) {
    std::vector<std::pair<std::size_t, insert_outcome>> refused;
    if (!refuse_record)
      return refused;
    std::vector<job> kept;
    for (std::size_t i = 0; i < batch.inserts.size(); ++i) {
      if (refuse_record(batch.inserts[i]))
        refused.emplace_back(i, insert_outcome{0, false, too_large("a new job")});
      else
        kept.push_back(std::move(batch.inserts[i]));
    }
    batch.inserts = std::move(kept);
    return refused;
  }

  std::vector<write_refusal> set_aside(store_batch& batch) {
    std::vector<write_refusal> refused;
    if (!refuse_record)
      return refused;
    std::erase_if(batch.writes, [&](const job_write& w) {
      if (!refuse_record(w.record))
        return false;
      auto id = w.record.id;
      auto error = too_large("job " + std::to_string(id));
      error.record = id;
      refused.push_back(write_refusal{id, write_refusal::code_type::record,
                                      std::nullopt, std::move(error)});
      return true;
    });
    return refused;
  }
};

} // namespace jobrt::testing
