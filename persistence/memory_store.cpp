#include "jobrt/persistence/memory_store.hpp"

#include <algorithm>

namespace jobrt {

std::string_view to_string(store_error::code_type c) noexcept {
  using code = store_error::code_type;
  switch (c) {
    case code::io: return "io";
    case code::corrupt: return "corrupt";
    case code::locked: return "locked";
    case code::too_large: return "too_large";
    case code::version: return "version";
    case code::conflict: return "conflict";
  }
  return "unknown";
}

std::string describe(const store_error& e) {
  return std::string(to_string(e.code)) + ": " + e.message;
}

result<store_snapshot, store_error> memory_store::load() {
  std::lock_guard<std::mutex> guard{mutex_};
  store_snapshot snapshot;
  snapshot.last_id = last_id_;
  snapshot.jobs.reserve(jobs_.size());
  for (const auto& entry : jobs_)
    snapshot.jobs.push_back(entry.second);
  std::sort(snapshot.jobs.begin(), snapshot.jobs.end(),
            [](const job& a, const job& b) { return a.id < b.id; });
  return snapshot;
}

result<void, store_error> memory_store::commit(store_batch& batch) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& record : batch.upserts) {
    last_id_ = std::max(last_id_, record.id);
    auto id = record.id;
    jobs_.insert_or_assign(id, std::move(record));
  }
  for (auto id : batch.removals)
    jobs_.erase(id);
  ++commits_;
  return outcome::success();
}

std::optional<job> memory_store::find(job_id id) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = jobs_.find(id);
  if (i == jobs_.end())
    return std::nullopt;
  return i->second;
}

std::size_t memory_store::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return jobs_.size();
}

std::uint64_t memory_store::commits() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return commits_;
}

} // namespace jobrt
