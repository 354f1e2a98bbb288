#include "jobrt/persistence/commit_group.hpp"

#include <algorithm>
#include <unordered_set>

namespace jobrt {

namespace {

template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  if (to.empty())
    to = std::move(from);
  else
    std::move(from.begin(), from.end(), std::back_inserter(to));
  from.clear();
}

template <class T>
void replace(std::optional<T>& to, std::optional<T>& from) {
  if (from)
    to = std::move(from);
  from.reset();
}

} // namespace

void commit_group::add(store_batch& batch) {
  ++turns_;
  append(merged_.inserts, batch.inserts);
  for (auto& w : batch.writes) {
    auto [at, fresh] = position_.emplace(w.record.id, merged_.writes.size());
    if (fresh)
      merged_.writes.push_back(std::move(w));
    else
      merged_.writes[at->second].record = std::move(w.record);
  }
  batch.writes.clear();
  for (auto& r : batch.removals) {
    if (auto at = position_.find(r.id); at != position_.end()) {
      r.expected = merged_.writes[at->second].expected;
      has_removed_writes_ = true;
    }
    merged_.removals.push_back(std::move(r));
  }
  batch.removals.clear();
  replace(merged_.renewal, batch.renewal);
  replace(merged_.rescue, batch.rescue);
  append(merged_.claims, batch.claims);
  replace(merged_.stage, batch.stage);
  replace(merged_.purge, batch.purge);
  append(merged_.post_commands, batch.post_commands);
  merged_.take_commands = merged_.take_commands || batch.take_commands;
  batch.take_commands = false;
  merged_.epoch = std::max(merged_.epoch, batch.epoch);
}

store_batch commit_group::take() {
  if (has_removed_writes_) {
    std::unordered_set<job_id> removed;
    for (const auto& r : merged_.removals)
      removed.insert(r.id);
    std::erase_if(merged_.writes, [&](const job_write& w) {
      return removed.count(w.record.id) != 0;
    });
  }
  position_.clear();
  turns_ = 0;
  has_removed_writes_ = false;
  return std::exchange(merged_, {});
}

} // namespace jobrt
