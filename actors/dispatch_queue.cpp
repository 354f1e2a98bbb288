#include "jobrt/actors/dispatch_queue.hpp"

#include <algorithm>

namespace jobrt {

namespace {

// std::*_heap build max-heaps: "less" means "runs later".
bool runs_later(const ready_entry& a, const ready_entry& b) {
  return runs_before(b, a);
}

} // namespace

lane_id dispatch_queue::lane_for(std::string_view type, std::string_view queue,
                                 std::string_view breaker_key) {
  // Few lanes exist (types x queues x keys in use): a scan beats a map.
  for (lane_id l = 0; l < lanes_.size(); ++l) {
    const auto& k = lanes_[l].key;
    if (k.type == type && k.queue == queue && k.breaker_key == breaker_key)
      return l;
  }
  lanes_.push_back(lane_state{lane_key{std::string(type), std::string(queue),
                                 std::string(breaker_key)},
                        {}});
  return static_cast<lane_id>(lanes_.size() - 1);
}

void dispatch_queue::push(lane_id l, const ready_entry& entry) {
  auto& heap = lanes_[l].heap;
  heap.push_back(entry);
  std::push_heap(heap.begin(), heap.end(), runs_later);
  ++size_;
}

ready_entry dispatch_queue::pop(lane_id l) {
  auto& heap = lanes_[l].heap;
  std::pop_heap(heap.begin(), heap.end(), runs_later);
  auto entry = heap.back();
  heap.pop_back();
  --size_;
  return entry;
}

} // namespace jobrt
