#pragma once

// Group commit's bookkeeping (DESIGN.md, "Shape": the store actor): the
// batches of several supervisor turns that arrived while the previous
// transaction was being written, merged into one batch for the next.
//
// Merging keeps the order of every verb and the answer's shape: inserts
// and claims are concatenated (the receipt answers them in the same order,
// so the supervisor splits it by turn). Writes of one job collapse into
// one: the first write's fence with the last write's record, so a job
// dispatched and finished within one group is written once. A removal
// takes over the fence of the writes of its job before it. A group holds
// at most one renewal, rescue, stage, purge and take of commands: the
// supervisor keeps at most one of each in flight; a later one replaces an
// earlier one (the commands a take finds go to the turn that asked).
// Posted commands are concatenated.

#include "jobrt/messages/store_batch.hpp"

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

  /// The merged batch; the group is empty afterwards.
  store_batch take();

private:
  store_batch merged_;
  std::unordered_map<job_id, std::size_t> position_; ///< into merged_.writes
  std::uint64_t turns_ = 0;
  bool has_removed_writes_ = false;
};

} // namespace jobrt
