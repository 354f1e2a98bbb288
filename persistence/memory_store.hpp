#pragma once

// The in-memory store: for tests, benchmarks and services that accept
// losing every job when the process ends. It is NOT durable. It keeps
// copies of the committed records so that a runtime restarted on the same
// memory_store within one process starts from where the last one stopped.
//
// Thread-safe: inspection (find, size, commits) may run on any thread while
// a runtime commits.

#include "jobrt/persistence/job_store.hpp"

#include <unordered_map>
#include <mutex>
#include <optional>

namespace jobrt {

class memory_store final : public job_store {
public:
  std::string_view name() const noexcept override { return "memory"; }
  result<store_snapshot, store_error> load() override;
  result<void, store_error> commit(store_batch& batch) override;
  bool blocks_on_io() const noexcept override { return false; }

  std::optional<job> find(job_id id) const;
  std::size_t size() const;
  std::uint64_t commits() const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<job_id, job> jobs_;
  job_id last_id_ = 0;
  std::uint64_t commits_ = 0;
};

} // namespace jobrt
