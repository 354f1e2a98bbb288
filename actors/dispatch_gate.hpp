#pragma once

// Which attempts may start (DESIGN.md, "States and transitions": dispatch
// and claim happen only while the breaker is closed or probing, the queue
// is not paused, and within limits). Pure and CAF-free.
//
// The gate counts the attempts a runtime runs per job type, per queue, on
// its worker pool and in total, and keeps one breaker_admission per breaker
// key that is not closed. It answers two questions: may this job start now
// (a job the supervisor holds: just enqueued, come due), and how many jobs
// of each type should the next claim ask the store for. A claim in flight
// reserves its budgets until it comes back, so two claims never promise
// the same slot.
//
// It also remembers, per type, whether ready jobs may wait in the store (a
// backlog): a job the supervisor holds starts at once only when none does,
// so it never overtakes older jobs of its type.

#include "jobrt/actors/breaker_admission.hpp"
#include "jobrt/messages/breaker.hpp"
#include "jobrt/messages/runtime_stats.hpp"
#include "jobrt/messages/store_batch.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobrt {

/// What dispatch must know of one registered job type.
struct type_rule {
  std::string type;
  /// At most this many attempts of the type at once; unset: no own limit.
  std::optional<std::int32_t> concurrency;
  /// Its handler is a callable, run on the worker pool.
  bool uses_pool = false;
};

struct gate_limits {
  /// Attempts out at once over all types.
  std::size_t max_in_flight = 256;
  /// Attempts handed to the worker pool at once (running or waiting).
  std::size_t pool_capacity = 0;
  /// Per queue: at most this many attempts at once.
  std::map<std::string, std::int32_t, std::less<>> queue_concurrency;
};

class dispatch_gate {
public:
  dispatch_gate(std::vector<type_rule> types, gate_limits limits);

  /// Null when no handler is registered for `type`.
  const type_rule* rule(std::string_view type) const;

  /// Whether an attempt of `j` may start now: its type is handled and its
  /// type, queue, the pool, the total and its breaker key all have room
  /// beside what runs and what claims in flight reserved.
  bool admits(const job& j) const;
  /// admits(j), and no older ready job of its type waits in the store.
  bool may_start_now(const job& j) const;

  /// An attempt of `j` starts and holds its slots until vacate(). False if
  /// its breaker no longer admits it (nothing is counted then). `probe` is
  /// set when it runs as a half-open probe.
  bool occupy(const job& j, bool& probe);
  void vacate(const job& j);
  /// A probe that told nothing (an ignored failure) frees its probe slot.
  void give_back_probe(std::string_view breaker_key);

  /// Ready jobs of `type` may wait in the store.
  void note_backlog(std::string_view type);
  /// Ready jobs of any type may wait there (someone else wrote them).
  void assume_backlog();
  bool backlog(std::string_view type) const;

  /// The budgets for a claim, for the types with a backlog; nullopt when
  /// there is nothing to ask for.
  std::optional<claim_request> plan_claim(std::string owner, time_point now,
                                          std::optional<time_point> lease) const;
  /// A claim is in flight: its budgets are held back from admits().
  void reserve(const claim_request& r);
  /// The claim came back (`outcome`) or failed (null): its reservations
  /// end and the backlog of its types is what it found, unless a backlog
  /// was noted after the claim was planned (the store ran the claim before
  /// that job was written). The claimed jobs are then occupied one by one.
  void settle(const claim_request& r, const claim_outcome* outcome);

  /// The breaker of `key` changed.
  void on_breaker(const std::string& key, const breaker_transition& t,
                  std::int32_t probes);
  bool half_open(std::string_view key) const;
  std::vector<breaker_status> breakers() const;

  std::size_t running() const noexcept { return running_total_; }
  std::size_t on_pool() const noexcept { return pool_running_; }

private:
  struct counter {
    std::int32_t running = 0;
    std::int32_t reserved = 0;
    std::int32_t limit = INT32_MAX;
    std::int32_t free() const { return limit - running - reserved; }
  };
  struct breaker_gate {
    breaker_admission admission;
    std::int32_t reserved = 0;
    std::uint64_t trips = 0;
    std::optional<time_point> reopen_at;
  };
  struct type_state {
    type_rule rule;
    counter slots;
    bool backlog = true; // unknown at start: look
    /// note_backlog calls so far, and as of the claim in flight.
    std::uint64_t notes = 0;
    std::uint64_t notes_at_claim = 0;
  };

  type_state* find_type(std::string_view type);
  const type_state* find_type(std::string_view type) const;
  counter& queue(std::string_view name);
  const counter* find_queue(std::string_view name) const;
  std::int32_t pool_free() const;
  std::int32_t total_free() const;

  std::vector<type_state> types_;
  gate_limits limits_;
  std::map<std::string, counter, std::less<>> queues_;
  std::map<std::string, breaker_gate, std::less<>> breakers_;
  std::int32_t pool_running_ = 0;
  std::int32_t pool_reserved_ = 0;
  std::int32_t running_total_ = 0;
  std::int32_t reserved_total_ = 0;
};

} // namespace jobrt
