#pragma once

// The in-memory store: for tests, benchmarks and services that accept
// losing every job when the process ends. It is NOT durable. It keeps the
// records for as long as the object lives, so a runtime restarted on the
// same memory_store within one process starts from where the last one
// stopped. It implements the whole contract (persistence/job_store.hpp)
// with the same indexes a database would use, so its claim, stage and
// purge cost as little per job as they do there.
//
// Thread-safe: the reader and the inspection calls may run on any thread
// while a runtime commits.

#include "jobrt/persistence/job_store.hpp"

#include <cstdint>
#include <memory>
#include <optional>

namespace jobrt {

class memory_store final : public job_store {
public:
  memory_store();
  ~memory_store() override;

  std::string_view name() const noexcept override { return "memory"; }
  result<store_receipt, store_error> commit(store_batch& batch) override;
  std::shared_ptr<job_reader> reader() override;
  bool blocks_on_io() const noexcept override { return false; }

  std::optional<job> find(job_id id) const;
  std::size_t size() const;
  std::uint64_t commits() const;

  struct tables;

private:
  std::shared_ptr<tables> tables_;
};

} // namespace jobrt
