#include "jobrt/actors/deadline_queue.hpp"

#include <algorithm>
#include <bit>

namespace jobrt {

namespace {

constexpr std::size_t arity = 4;
constexpr std::size_t min_table = 16;

std::int64_t to_ms(time_point at) { return at.time_since_epoch().count(); }

time_point from_ms(std::int64_t ms) { return time_point{duration{ms}}; }

/// MurmurHash3's finalizer: keys are mostly consecutive ids, and the table
/// indexes by the top bits, so every key bit must reach them.
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

} // namespace

// -- public API
// ------------------------------------------------------------------

void deadline_queue::schedule(deadline_key key, time_point at) {
  auto s = find(key);
  if (s == npos) {
    insert(key, to_ms(at));
    return;
  }
  auto pos = table_[s].pos;
  heap_[pos].at_ms = to_ms(at);
  restore(pos);
}

bool deadline_queue::cancel(deadline_key key) {
  auto s = find(key);
  if (s == npos)
    return false;
  auto pos = table_[s].pos;
  erase_slot(s);
  remove_at(pos);
  maybe_shrink();
  return true;
}

std::optional<time_point> deadline_queue::deadline_of(deadline_key key) const {
  auto s = find(key);
  if (s == npos)
    return std::nullopt;
  return from_ms(heap_[table_[s].pos].at_ms);
}

std::optional<time_point> deadline_queue::earliest() const {
  if (heap_.empty())
    return std::nullopt;
  return from_ms(heap_.front().at_ms);
}

void deadline_queue::pop_due(time_point now, std::vector<deadline_key>& out) {
  auto now_ms = to_ms(now);
  bool popped = false;
  while (!heap_.empty() && heap_.front().at_ms <= now_ms) {
    out.push_back(heap_.front().key);
    erase_slot(heap_.front().slot);
    remove_at(0);
    popped = true;
  }
  if (popped)
    maybe_shrink();
}

std::size_t deadline_queue::memory_bytes() const noexcept {
  return heap_.capacity() * sizeof(heap_entry) +
         table_.capacity() * sizeof(slot);
}

// -- the key table: open addressing, linear probing
// ------------------------------

deadline_queue::slot_index deadline_queue::home_of(deadline_key key) const {
  return static_cast<slot_index>(mix(key) >> table_shift_);
}

deadline_queue::slot_index deadline_queue::find(deadline_key key) const {
  if (table_.empty())
    return npos;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = home_of(key);; i = (i + 1) & mask) {
    const auto& candidate = table_[i];
    if (candidate.pos == npos)
      return npos;
    if (candidate.key == key)
      return static_cast<slot_index>(i);
  }
}

void deadline_queue::insert(deadline_key key, std::int64_t at_ms) {
  if ((heap_.size() + 1) * 4 > table_.size() * 3)
    rehash(std::max(min_table, table_.size() * 2));
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home_of(key);
  while (table_[i].pos != npos)
    i = (i + 1) & mask;
  auto pos = heap_.size();
  table_[i] = slot{key, static_cast<heap_index>(pos)};
  heap_.push_back(heap_entry{at_ms, key, static_cast<slot_index>(i)});
  sift_up(pos, heap_.back());
}

// Backward-shift deletion: later members of the probe run move into the
// hole when their home allows it, so no tombstones accumulate.
void deadline_queue::erase_slot(slot_index s) {
  const std::size_t mask = table_.size() - 1;
  std::size_t hole = s;
  for (std::size_t j = (hole + 1) & mask; table_[j].pos != npos;
       j = (j + 1) & mask) {
    std::size_t home = home_of(table_[j].key);
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      table_[hole] = table_[j];
      heap_[table_[hole].pos].slot = static_cast<slot_index>(hole);
      hole = j;
    }
  }
  table_[hole].pos = npos;
}

void deadline_queue::rehash(std::size_t capacity) {
  auto old = std::move(table_);
  table_.assign(capacity, slot{0, npos});
  table_shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
  const std::size_t mask = capacity - 1;
  for (const auto& entry : old) {
    if (entry.pos == npos)
      continue;
    std::size_t i = home_of(entry.key);
    while (table_[i].pos != npos)
      i = (i + 1) & mask;
    table_[i] = entry;
    heap_[entry.pos].slot = static_cast<slot_index>(i);
  }
}

// Shrinks once at most 1/8 is used, to a table at most 3/8 full (growth
// happens above 3/4), so alternating schedule/cancel never thrashes.
void deadline_queue::maybe_shrink() {
  if (table_.size() > min_table && heap_.size() * 8 <= table_.size()) {
    std::size_t capacity = min_table;
    while (capacity * 3 < heap_.size() * 8)
      capacity *= 2;
    rehash(capacity);
  }
  if (heap_.capacity() > 64 && heap_.size() * 4 <= heap_.capacity()) {
    std::vector<heap_entry> smaller;
    smaller.reserve(std::max<std::size_t>(heap_.size() * 2, 64));
    smaller.assign(heap_.begin(), heap_.end());
    heap_.swap(smaller);
  }
}

// -- the heap: 4-ary, on (instant, key)
// -------------------------------------------

bool deadline_queue::before(const heap_entry& a, const heap_entry& b) const {
  if (a.at_ms != b.at_ms)
    return a.at_ms < b.at_ms;
  return a.key < b.key;
}

void deadline_queue::place(std::size_t pos, const heap_entry& e) {
  heap_[pos] = e;
  table_[e.slot].pos = static_cast<heap_index>(pos);
}

void deadline_queue::sift_up(std::size_t pos, heap_entry e) {
  while (pos > 0) {
    auto parent = (pos - 1) / arity;
    if (!before(e, heap_[parent]))
      break;
    place(pos, heap_[parent]);
    pos = parent;
  }
  place(pos, e);
}

void deadline_queue::sift_down(std::size_t pos, heap_entry e) {
  const std::size_t n = heap_.size();
  for (;;) {
    auto first = pos * arity + 1;
    if (first >= n)
      break;
    auto best = first;
    auto last = std::min(first + arity, n);
    for (auto c = first + 1; c < last; ++c)
      if (before(heap_[c], heap_[best]))
        best = c;
    if (!before(heap_[best], e))
      break;
    place(pos, heap_[best]);
    pos = best;
  }
  place(pos, e);
}

void deadline_queue::restore(std::size_t pos) {
  auto e = heap_[pos];
  if (pos > 0 && before(e, heap_[(pos - 1) / arity]))
    sift_up(pos, e);
  else
    sift_down(pos, e);
}

void deadline_queue::remove_at(std::size_t pos) {
  auto last = heap_.back();
  heap_.pop_back();
  if (pos == heap_.size())
    return;
  heap_[pos] = last;
  restore(pos);
}

} // namespace jobrt
