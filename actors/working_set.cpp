#include "jobrt/actors/working_set.hpp"

namespace jobrt {

job_entry* working_set::find(job_id id) {
  auto i = entries_.find(id);
  return i == entries_.end() ? nullptr : &i->second;
}

job_entry& working_set::adopt(job record) {
  auto& entry = entries_[record.id];
  entry = job_entry{};
  entry.durable = job_fence::of(record);
  entry.sealed = entry.durable;
  entry.record = std::move(record);
  return entry;
}

void working_set::forget(job_id id) { entries_.erase(id); }

void working_set::mark_dirty(job_entry& entry) {
  if (entry.dirty)
    return;
  entry.dirty = true;
  dirty_.push_back(entry.record.id);
}

void working_set::seal(std::uint64_t seq, std::vector<job_write>& writes,
                       std::vector<job_removal>& removals,
                       std::vector<sealed_write>& written) {
  writes.reserve(dirty_.size());
  for (auto id : dirty_) {
    auto* entry = find(id);
    if (entry == nullptr || !entry->dirty)
      continue;
    entry->dirty = false;
    if (entry->quarantined)
      continue;
    auto fence = job_fence::of(entry->record);
    if (entry->removing)
      removals.push_back(job_removal{id, entry->sealed});
    else
      writes.push_back(job_write{entry->record, entry->sealed});
    written.push_back(sealed_write{id, fence});
    entry->sealed = std::move(fence);
    entry->sealed_seq = seq;
    if (entry->first_seq == 0)
      entry->first_seq = seq;
  }
  dirty_.clear();
}

void working_set::settle(const sealed_write& w, std::uint64_t seq) {
  auto* entry = find(w.id);
  // Re-adopted since (a claim took it back): this write is history.
  if (entry == nullptr || entry->sealed_seq < seq || seq < entry->first_seq)
    return;
  entry->durable = w.fence;
  if (entry->sealed_seq != seq)
    return;
  entry->sealed_seq = 0;
  if (entry->leaving && !entry->dirty && !entry->running &&
      entry->lingering == 0)
    forget(w.id);
}

void working_set::rewind(job_id id, std::uint64_t seq) {
  auto* entry = find(id);
  if (entry == nullptr || entry->sealed_seq < seq || seq < entry->first_seq)
    return;
  entry->sealed = entry->durable;
  entry->sealed_seq = 0;
  mark_dirty(*entry);
}

} // namespace jobrt
