#pragma once

// Group commit's bookkeeping (DESIGN.md, "Shape": the store actor): the
// batches of several supervisor turns that arrived while the previous
// transaction was being written, merged into one batch for the next.
//
// Merging keeps only the newest version of each record: a job enqueued,
// dispatched and finished within one group is written once, in its last
// state. A removal wins over every upsert of the same id before it (ids
// are never reused, so nothing can follow a removal).

#include "jobrt/persistence/job_store.hpp"

#include <cstdint>
#include <unordered_map>

namespace jobrt {

class commit_group {
public:
  /// Takes the batch's contents (it is left empty).
  void add(store_batch& batch);

  bool empty() const noexcept { return turns_ == 0; }
  /// Turns merged since the last take().
  std::uint64_t turns() const noexcept { return turns_; }

  /// The merged batch, in order of first appearance; the group is empty
  /// afterwards.
  store_batch take();

private:
  store_batch merged_;
  std::unordered_map<job_id, std::size_t> position_;
  std::uint64_t turns_ = 0;
  bool has_removed_upserts_ = false;
};

} // namespace jobrt
