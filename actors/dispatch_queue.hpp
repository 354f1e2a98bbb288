#pragma once

// The pending jobs, in the order the supervisor dispatches them: priority,
// then run_at (age), then id. Pure and CAF-free.
//
// Jobs are grouped in lanes, one per (type, queue, breaker key): everything
// that can stop a job from being dispatched (a paused breaker, a saturated
// type or queue) stops its whole lane, so the supervisor asks "which
// eligible lane has the best head?" instead of scanning past blocked jobs.
//
// Entries are removed lazily: cancelling a pending job leaves its entry in
// place, and the supervisor discards it when it surfaces (its `ticket` no
// longer matches the job's).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobrt {

struct ready_entry {
  std::int32_t priority = 0;
  std::int64_t run_at_ms = 0;
  std::int64_t id = 0;
  /// Which readiness of the job this entry stands for (see file comment).
  std::uint32_t ticket = 0;
};

/// True when `a` runs before `b`.
constexpr bool runs_before(const ready_entry& a, const ready_entry& b) {
  if (a.priority != b.priority)
    return a.priority < b.priority;
  if (a.run_at_ms != b.run_at_ms)
    return a.run_at_ms < b.run_at_ms;
  return a.id < b.id;
}

using lane_id = std::uint32_t;

struct lane_key {
  std::string type;
  std::string queue;
  std::string breaker_key;
};

class dispatch_queue {
public:
  /// The lane of (type, queue, breaker_key), created on first use. Lane ids
  /// are dense, starting at 0, and never reused.
  lane_id lane_for(std::string_view type, std::string_view queue,
                   std::string_view breaker_key);

  const lane_key& key(lane_id lane) const { return lanes_[lane].key; }
  std::size_t lane_count() const noexcept { return lanes_.size(); }

  void push(lane_id lane, const ready_entry& entry);

  /// Entries waiting (including lazily removed ones).
  std::size_t size() const noexcept { return size_; }

  /// Removes and returns the best head among the lanes for which
  /// `eligible(lane_id)` holds; nullopt when there is none.
  template <class Eligible>
  std::optional<std::pair<lane_id, ready_entry>> pop_best(Eligible&& eligible) {
    std::optional<lane_id> best;
    for (lane_id l = 0; l < lanes_.size(); ++l) {
      const auto& heap = lanes_[l].heap;
      if (heap.empty() || !eligible(l))
        continue;
      if (!best || runs_before(heap.front(), lanes_[*best].heap.front()))
        best = l;
    }
    if (!best)
      return std::nullopt;
    return std::pair{*best, pop(*best)};
  }

private:
  struct lane_state {
    lane_key key;
    std::vector<ready_entry> heap; ///< a binary heap, best at front
  };

  ready_entry pop(lane_id l);

  std::vector<lane_state> lanes_;
  std::size_t size_ = 0;
};

} // namespace jobrt
