#pragma once

// The claim, once for every store: which of the ready jobs a claim_request
// takes, in what order, and the transition each goes through. A store only
// supplies the candidates and writes the results, so the rules cannot
// drift apart between backends.

#include "jobrt/messages/store_batch.hpp"

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace jobrt {

/// How many ready jobs of one type a store looks at for a request of
/// `slots`: a few more than it can take, so that jobs held back by a
/// breaker or queue budget do not hide the ones behind them. Jobs beyond
/// the window wait for the next claim (claim_outcome::more).
std::size_t claim_window(std::int32_t slots) noexcept;

/// The budgets of one claim_request: a job is admitted when its type,
/// queue, breaker key, the pool (if its type uses it) and the total all
/// have a slot left, and admitting it uses one of each.
class claim_budget {
public:
  explicit claim_budget(const claim_request& request);

  /// Whether every budget the candidate needs has a slot left.
  bool fits(const job& candidate);
  /// Uses one slot of each budget the candidate needs; it must fit.
  void take(const job& candidate);
  /// fits, then take.
  bool admit(const job& candidate);
  bool spent() const noexcept { return total_ <= 0; }

private:
  /// The counters a candidate draws on; null where it needs none.
  struct slots {
    std::int32_t* type = nullptr;
    std::int32_t* queue = nullptr;
    std::int32_t* breaker = nullptr;
    std::int32_t* pool = nullptr;
  };
  slots find(const job& candidate);
  std::int32_t* type_slots(std::string_view type);

  const claim_request& request_;
  std::vector<std::int32_t> types_;
  std::map<std::string, std::int32_t, std::less<>> queues_;
  std::map<std::string, std::int32_t, std::less<>> breakers_;
  std::int32_t pool_;
  std::int32_t total_;
};

/// Candidates of one type: pending, run_at <= now, in claim order
/// (priority, run_at, id), at most `limit`.
using ready_jobs_of =
    std::function<result<std::vector<job>, store_error>(std::string_view type,
                                                        std::size_t limit)>;
/// Writes one claimed job (already through apply_event) in the store's
/// transaction.
using write_claimed = std::function<result<void, store_error>(const job&)>;

/// Runs `request`: takes candidates in claim order across all its types
/// (but the excluded ones), admits them by budget, moves each to processing with
/// apply_event(dispatch{owner, lease_until}, now) and writes it.
result<claim_outcome, store_error> run_claim(const claim_request& request,
                                             const ready_jobs_of& ready,
                                             const write_claimed& write);

/// Claim order: lower priority number first, then earlier run_at, then id.
bool claims_before(const job& a, const job& b) noexcept;

} // namespace jobrt
