#include "jobrt/persistence/commit_group.hpp"

#include <algorithm>
#include <unordered_set>

namespace jobrt {

void commit_group::add(store_batch& batch) {
  ++turns_;
  if (merged_.empty() && position_.empty() && batch.removals.empty()) {
    // The common first batch of a group: adopt it wholesale.
    merged_.upserts = std::move(batch.upserts);
    for (std::size_t i = 0; i < merged_.upserts.size(); ++i)
      position_.emplace(merged_.upserts[i].id, i);
  } else {
    for (auto& record : batch.upserts) {
      auto [at, fresh] = position_.emplace(record.id, merged_.upserts.size());
      if (fresh)
        merged_.upserts.push_back(std::move(record));
      else
        merged_.upserts[at->second] = std::move(record);
    }
    for (auto id : batch.removals) {
      if (position_.count(id) != 0)
        has_removed_upserts_ = true;
      merged_.removals.push_back(id);
    }
  }
  batch.upserts.clear();
  batch.removals.clear();
}

store_batch commit_group::take() {
  if (has_removed_upserts_) {
    std::unordered_set<job_id> removed(merged_.removals.begin(),
                                       merged_.removals.end());
    std::erase_if(merged_.upserts,
                  [&](const job& r) { return removed.count(r.id) != 0; });
  }
  position_.clear();
  turns_ = 0;
  has_removed_upserts_ = false;
  return std::exchange(merged_, {});
}

} // namespace jobrt
