#include "jobrt/actors/dispatch_gate.hpp"

#include <algorithm>
#include <climits>

namespace jobrt {

namespace {

std::int32_t clamp32(std::size_t n) {
  return n > static_cast<std::size_t>(INT32_MAX) ? INT32_MAX
                                                 : static_cast<std::int32_t>(n);
}

} // namespace

dispatch_gate::dispatch_gate(std::vector<type_rule> types, gate_limits limits)
  : limits_(std::move(limits)) {
  for (auto& rule : types) {
    type_state t;
    if (rule.concurrency)
      t.slots.limit = *rule.concurrency;
    t.rule = std::move(rule);
    types_.push_back(std::move(t));
  }
  for (const auto& [name, limit] : limits_.queue_concurrency)
    queues_[name].limit = limit;
}

dispatch_gate::type_state* dispatch_gate::find_type(std::string_view type) {
  for (auto& t : types_)
    if (t.rule.type == type)
      return &t;
  return nullptr;
}

const dispatch_gate::type_state*
dispatch_gate::find_type(std::string_view type) const {
  return const_cast<dispatch_gate*>(this)->find_type(type);
}

const type_rule* dispatch_gate::rule(std::string_view type) const {
  const auto* t = find_type(type);
  return t == nullptr ? nullptr : &t->rule;
}

dispatch_gate::counter& dispatch_gate::queue(std::string_view name) {
  auto i = queues_.find(name);
  if (i == queues_.end())
    i = queues_.emplace(std::string(name), counter{}).first;
  return i->second;
}

const dispatch_gate::counter*
dispatch_gate::find_queue(std::string_view name) const {
  auto i = queues_.find(name);
  return i == queues_.end() ? nullptr : &i->second;
}

std::int32_t dispatch_gate::pool_free() const {
  return clamp32(limits_.pool_capacity) - pool_running_ - pool_reserved_;
}

std::int32_t dispatch_gate::total_free() const {
  return clamp32(limits_.max_in_flight) - running_total_ - reserved_total_;
}

bool dispatch_gate::admits(const job& j) const {
  const auto* t = find_type(j.type);
  if (t == nullptr || t->slots.free() <= 0 || total_free() <= 0)
    return false;
  if (t->rule.uses_pool && pool_free() <= 0)
    return false;
  if (const auto* q = find_queue(j.queue); q != nullptr && q->free() <= 0)
    return false;
  if (auto b = breakers_.find(j.breaker_key); b != breakers_.end())
    return b->second.admission.allowance() - b->second.reserved > 0;
  return true;
}

bool dispatch_gate::may_start_now(const job& j) const {
  return admits(j) && !backlog(j.type);
}

bool dispatch_gate::occupy(const job& j, bool& probe) {
  probe = false;
  if (auto b = breakers_.find(j.breaker_key); b != breakers_.end()) {
    probe = b->second.admission.state() == breaker_state::half_open;
    if (!b->second.admission.try_admit())
      return false;
  }
  if (auto* t = find_type(j.type)) {
    ++t->slots.running;
    if (t->rule.uses_pool)
      ++pool_running_;
  }
  if (auto* q = const_cast<counter*>(find_queue(j.queue)))
    ++q->running;
  ++running_total_;
  return true;
}

void dispatch_gate::vacate(const job& j) {
  if (auto* t = find_type(j.type)) {
    --t->slots.running;
    if (t->rule.uses_pool)
      --pool_running_;
  }
  if (auto* q = const_cast<counter*>(find_queue(j.queue)))
    --q->running;
  --running_total_;
}

void dispatch_gate::give_back_probe(std::string_view breaker_key) {
  if (auto b = breakers_.find(breaker_key); b != breakers_.end())
    b->second.admission.give_back();
}

void dispatch_gate::note_backlog(std::string_view type) {
  if (auto* t = find_type(type)) {
    t->backlog = true;
    ++t->notes;
  }
}

void dispatch_gate::assume_backlog() {
  for (auto& t : types_) {
    t.backlog = true;
    ++t.notes;
  }
}

bool dispatch_gate::backlog(std::string_view type) const {
  const auto* t = find_type(type);
  return t != nullptr && t->backlog;
}

std::optional<claim_request>
dispatch_gate::plan_claim(std::string owner, time_point now,
                          std::optional<time_point> lease) const {
  claim_request r;
  const auto total = total_free();
  const auto pool = std::max(pool_free(), 0);
  if (total <= 0)
    return std::nullopt;
  // The totals ask for no more than the listed types can take, so a claim
  // in flight holds back only what it may fill.
  std::int64_t wanted = 0;
  std::int64_t wanted_on_pool = 0;
  for (const auto& t : types_) {
    auto slots = std::min(t.slots.free(), total);
    if (t.rule.uses_pool)
      slots = std::min(slots, pool);
    if (!t.backlog || slots <= 0)
      continue;
    r.types.push_back({t.rule.type, slots, t.rule.uses_pool});
    wanted += slots;
    if (t.rule.uses_pool)
      wanted_on_pool += slots;
  }
  if (r.types.empty())
    return std::nullopt;
  r.total = static_cast<std::int32_t>(std::min<std::int64_t>(total, wanted));
  r.pool_slots =
      static_cast<std::int32_t>(std::min<std::int64_t>(pool, wanted_on_pool));
  for (const auto& [name, q] : queues_)
    if (q.limit != INT32_MAX)
      r.queues.emplace(name, std::max(q.free(), 0));
  for (const auto& [key, b] : breakers_)
    if (b.admission.state() != breaker_state::closed)
      r.breakers.emplace(key, std::max(b.admission.allowance() - b.reserved, 0));
  r.owner = std::move(owner);
  r.now = now;
  r.lease_until = lease;
  return r;
}

void dispatch_gate::reserve(const claim_request& r) {
  for (const auto& t : r.types)
    if (auto* s = find_type(t.type)) {
      s->slots.reserved += t.slots;
      s->notes_at_claim = s->notes;
    }
  for (const auto& [name, free] : r.queues)
    queue(name).reserved += free;
  for (const auto& [key, allowed] : r.breakers)
    breakers_[key].reserved += allowed;
  pool_reserved_ += r.pool_slots;
  reserved_total_ += r.total;
}

void dispatch_gate::settle(const claim_request& r, const claim_outcome* outcome) {
  for (const auto& t : r.types) {
    auto* s = find_type(t.type);
    if (s == nullptr)
      continue;
    s->slots.reserved -= t.slots;
    if (outcome != nullptr)
      s->backlog = s->notes != s->notes_at_claim ||
                   std::find(outcome->more.begin(), outcome->more.end(),
                             t.type) != outcome->more.end();
  }
  for (const auto& [name, free] : r.queues)
    queue(name).reserved -= free;
  for (const auto& [key, allowed] : r.breakers)
    breakers_[key].reserved -= allowed;
  pool_reserved_ -= r.pool_slots;
  reserved_total_ -= r.total;
}

void dispatch_gate::on_breaker(const std::string& key,
                               const breaker_transition& t,
                               std::int32_t probes) {
  auto& b = breakers_[key];
  b.admission.enter(t.to, probes);
  b.reopen_at = t.reopen_at;
  if (t.to == breaker_state::open)
    ++b.trips;
}

bool dispatch_gate::half_open(std::string_view key) const {
  auto b = breakers_.find(key);
  return b != breakers_.end() &&
         b->second.admission.state() == breaker_state::half_open;
}

std::vector<breaker_status> dispatch_gate::breakers() const {
  std::vector<breaker_status> out;
  for (const auto& [key, b] : breakers_)
    out.push_back(breaker_status{key, b.admission.state(), b.trips, b.reopen_at});
  return out;
}

} // namespace jobrt
