#pragma once

// Every pending deadline of the runtime, ordered by instant. Pure and
// CAF-free; the timer actor (actors/timer.hpp) wraps it. Not thread-safe:
// one owner calls it.
//
// A key has at most one deadline: scheduling a key that is present moves
// it. Deadlines come out by instant; keys due at the same instant come out
// in ascending key order, whatever order they were scheduled in.
//
// Cost: schedule, cancel and each popped key are O(log n); contains,
// deadline_of and earliest are O(1) (expected, for the key lookups; growth
// and shrinking rehash, amortized O(1)).
//
// Memory: two flat arrays and nothing per node. A 4-ary min-heap of 24-byte
// entries {instant, key, slot}, and an open-addressing hash table (linear
// probing, at most 3/4 full, power-of-two sized) of 16-byte slots {key, heap
// position}. Per deadline that is 24 B of heap (up to 48 B just after it
// doubles) plus 16/load B of table (21–43 B): about 59 B at 1,000,000
// deadlines (heap capacity 2^20, table of 2^21 slots), at most ~91 B. Both
// arrays shrink when they are mostly empty. At most 2^32 − 2 deadlines.

#include "jobrt/messages/deadline.hpp"
#include "jobrt/messages/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace jobrt {

class deadline_queue {
public:
  /// Inserts `key` due at `at`, or moves the deadline it already has to `at`.
  void schedule(deadline_key key, time_point at);

  /// Removes the deadline of `key`; false when it had none.
  bool cancel(deadline_key key);

  bool contains(deadline_key key) const { return find(key) != npos; }

  std::optional<time_point> deadline_of(deadline_key key) const;

  /// The instant of the first deadline; nullopt when there is none.
  std::optional<time_point> earliest() const;

  std::size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }

  /// Removes every deadline due at or before `now` and appends its key to
  /// `out`, by instant, then by key.
  void pop_due(time_point now, std::vector<deadline_key>& out);

  /// Bytes the queue holds (array capacities, not just the used part).
  std::size_t memory_bytes() const noexcept;

private:
  using slot_index = std::uint32_t;
  using heap_index = std::uint32_t;
  static constexpr std::uint32_t npos = 0xffffffffu;

  /// The key is copied here so that ties compare without a table lookup.
  struct heap_entry {
    std::int64_t at_ms;
    deadline_key key;
    slot_index slot;
  };

  /// A table slot; free when `pos == npos`.
  struct slot {
    deadline_key key;
    heap_index pos;
  };

  slot_index find(deadline_key key) const;
  slot_index home_of(deadline_key key) const;
  void insert(deadline_key key, std::int64_t at_ms);
  void erase_slot(slot_index s);
  void remove_at(std::size_t pos);
  void rehash(std::size_t capacity);
  void maybe_shrink();

  bool before(const heap_entry& a, const heap_entry& b) const;
  void place(std::size_t pos, const heap_entry& e);
  void sift_up(std::size_t pos, heap_entry e);
  void sift_down(std::size_t pos, heap_entry e);
  void restore(std::size_t pos);

  std::vector<heap_entry> heap_; ///< 4-ary min-heap on (at_ms, key)
  std::vector<slot> table_;      ///< key → heap position; size 0 or 2^k
  unsigned table_shift_ = 64;    ///< 64 − log2(table size)
};

} // namespace jobrt
