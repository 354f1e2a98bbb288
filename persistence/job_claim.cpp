#include "jobrt/persistence/job_claim.hpp"

#include "jobrt/actors/transitions.hpp"

#include <algorithm>
#include <tuple>

namespace jobrt {

std::size_t claim_window(std::int32_t slots) noexcept {
  return slots <= 0 ? 0 : static_cast<std::size_t>(slots) * 2 + 16;
}

claim_budget::claim_budget(const claim_request& request)
  : request_(request), queues_(request.queues), breakers_(request.breakers),
    pool_(request.pool_slots), total_(request.total) {
  types_.reserve(request.types.size());
  for (const auto& t : request.types)
    types_.push_back(t.slots);
}

std::int32_t* claim_budget::type_slots(std::string_view type) {
  for (std::size_t i = 0; i < request_.types.size(); ++i)
    if (request_.types[i].type == type)
      return &types_[i];
  return nullptr;
}

claim_budget::slots claim_budget::find(const job& candidate) {
  slots found;
  found.type = type_slots(candidate.type);
  if (auto i = queues_.find(candidate.queue); i != queues_.end())
    found.queue = &i->second;
  if (auto i = breakers_.find(candidate.breaker_key); i != breakers_.end())
    found.breaker = &i->second;
  for (const auto& t : request_.types)
    if (t.type == candidate.type && t.uses_pool)
      found.pool = &pool_;
  return found;
}

bool claim_budget::fits(const job& candidate) {
  auto s = find(candidate);
  auto free = [](const std::int32_t* n) { return n == nullptr || *n > 0; };
  return total_ > 0 && s.type != nullptr && *s.type > 0 && free(s.queue) &&
         free(s.breaker) && free(s.pool);
}

void claim_budget::take(const job& candidate) {
  auto s = find(candidate);
  --total_;
  for (auto* n : {s.type, s.queue, s.breaker, s.pool})
    if (n != nullptr)
      --*n;
}

bool claim_budget::admit(const job& candidate) {
  if (!fits(candidate))
    return false;
  take(candidate);
  return true;
}

bool claims_before(const job& a, const job& b) noexcept {
  return std::tie(a.priority, a.run_at, a.id) <
         std::tie(b.priority, b.run_at, b.id);
}

result<claim_outcome, store_error> run_claim(const claim_request& request,
                                             const ready_jobs_of& ready,
                                             const write_claimed& write) {
  claim_outcome outcome;
  std::vector<job> candidates;
  for (const auto& t : request.types) {
    auto window = claim_window(std::min(t.slots, request.total));
    if (window == 0)
      continue;
    BOOST_OUTCOME_TRY(found, ready(t.type, window));
    if (found.size() == window)
      outcome.more.push_back(t.type); // there may be more beyond the window
    for (auto& j : found)
      if (std::find(request.exclude.begin(), request.exclude.end(), j.id) ==
          request.exclude.end())
        candidates.push_back(std::move(j));
  }
  std::sort(candidates.begin(), candidates.end(), claims_before);
  claim_budget budget{request};
  for (auto& candidate : candidates) {
    if (!budget.fits(candidate)) {
      if (std::find(outcome.more.begin(), outcome.more.end(),
                    candidate.type) == outcome.more.end())
        outcome.more.push_back(candidate.type);
      continue;
    }
    auto next = apply_event(candidate,
                            events::dispatch{request.owner,
                                             request.lease_until},
                            request.now);
    // A job that cannot start (its attempts are used up) is left as it is,
    // and must not use up the slot: it would hold it on every claim.
    if (!next)
      continue;
    budget.take(candidate);
    BOOST_OUTCOME_TRYV(write(next.value()));
    outcome.jobs.push_back(std::move(next).value());
  }
  return outcome;
}

} // namespace jobrt
