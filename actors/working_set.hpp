#pragma once

// The jobs a supervisor holds (DESIGN.md, "Shape": its working set): the
// attempts it runs, the jobs whose deadline lies within the staging
// horizon, and, for the length of a turn and until their writes are
// durable, the jobs it just changed. Pure and CAF-free.
//
// Each entry knows two fences: `durable`, what the store's row holds as far
// as this runtime knows, and `sealed`, what it will hold once every write
// sealed so far lands. A new write is fenced on `sealed`; a failed commit
// rewinds `sealed` to `durable` and marks the entry to be written again.
// An entry marked `leaving` (finished, or handed back to the store) is
// forgotten once its last write is durable: memory follows the work in
// hand, never the number of jobs in the store.

#include "jobrt/messages/store_batch.hpp"

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace jobrt {

struct job_entry {
  job record;
  job_fence durable;
  job_fence sealed;
  /// The turn of its last sealed write; 0 when no write is in flight.
  std::uint64_t sealed_seq = 0;
  /// The turn of its first write since it was adopted: answers for older
  /// turns concern the record it replaced.
  std::uint64_t first_seq = 0;
  bool dirty = false;
  /// Forget it once its last write is durable.
  bool leaving = false;
  /// Its next write removes it from the store (a purge); it leaves then.
  bool removing = false;
  /// An attempt of it holds dispatch slots (see dispatch_gate).
  bool running = false;
  /// The running attempt is a half-open probe.
  bool probe = false;
  /// The deadline the timer holds for it, if any.
  std::optional<time_point> armed;
  /// An attempt that was given up (timeout, cancel) but still occupies a
  /// worker thread; 0 if none. No new attempt starts until it returns.
  std::int32_t lingering = 0;
  /// Its deadline came while an attempt lingered: it is due once that
  /// attempt returns.
  bool parked = false;
  /// The store refuses its record: it is no longer written or run.
  bool quarantined = false;
};

/// One write sealed into a turn, to be settled when the turn is durable.
struct sealed_write {
  job_id id = 0;
  job_fence fence;
};

class working_set {
public:
  job_entry* find(job_id id);
  /// Takes in a record as the store holds it (claimed, staged, rescued,
  /// inserted, or read for a request); replaces what was held of it.
  job_entry& adopt(job record);
  void forget(job_id id);

  void mark_dirty(job_entry& entry);
  /// The changes to write in turn `seq`, each fenced on what the previous
  /// writes will have left: into `writes` and `removals`; `written` gets
  /// what to settle later.
  void seal(std::uint64_t seq, std::vector<job_write>& writes,
            std::vector<job_removal>& removals,
            std::vector<sealed_write>& written);
  /// Turn `seq`'s write landed. Forgets the entry if it was leaving and
  /// this was its last write.
  void settle(const sealed_write& w, std::uint64_t seq);
  /// Turn `seq`'s write failed: the entry is written again from what the
  /// store holds.
  void rewind(job_id id, std::uint64_t seq);

  std::size_t size() const noexcept { return entries_.size(); }
  template <class F>
  void for_each(F&& f) {
    for (auto& [id, entry] : entries_)
      f(entry);
  }

private:
  std::unordered_map<job_id, job_entry> entries_;
  std::vector<job_id> dirty_;
};

} // namespace jobrt
