#pragma once

// The store contract (DESIGN.md, "Persistence"). The store is the durable
// record of every job; a job that no runtime holds lives only there. A
// runtime keeps a bounded working set (actors/supervisor.hpp) and talks to
// its store in verbs, one batch per turn (messages/store_batch.hpp):
//
//   insert       new jobs; the store assigns ids and enforces unique keys
//   fenced write a change the runtime decided, applied only if the row
//                still holds the state, attempt and owner it was decided
//                from; otherwise refused and reported, never overwritten
//   removal      a fenced purge
//   claim        ready jobs for free slots, through apply_event(dispatch)
//   stage        scheduled and retrying jobs that come due within a horizon
//   rescue       processing jobs whose owner is gone
//   renew        a runtime's leases
//   purge        finished jobs past their retention age, in bounded batches
//   commands     what an operator asks of the owner that no fenced write
//                can do (cancel a running attempt): posted by the
//                operator, taken in order by the owner at its poll
//
// and the read side (job_reader): find, list, counts, from any thread.
//
// Every store passes one conformance suite
// (tests/persistence/store_conformance_test.cpp).

#include "jobrt/messages/job_query.hpp"
#include "jobrt/messages/store_batch.hpp"
#include "jobrt/messages/store_error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobrt {

struct type_count {
  std::string type;
  std::uint64_t jobs = 0;
  friend bool operator==(const type_count&, const type_count&) = default;
};

/// The read side. Thread-safe: any thread may call it at any time, also
/// while the store commits; it shows only committed state.
class job_reader {
public:
  virtual ~job_reader() = default;

  /// The record with its error history; nullopt if no such job.
  virtual result<std::optional<job>, store_error> find(job_id id) = 0;
  /// In id order after query.after; limit clamped to [1, max_page_size].
  virtual result<job_page, store_error> list(const job_query& query) = 0;
  virtual result<state_counts, store_error> count_by_state() = 0;
  /// Jobs not yet finished (pending, scheduled, processing, retrying) per
  /// type, in type order: what waits for which handler.
  virtual result<std::vector<type_count>, store_error> live_by_type() = 0;
};

class job_store {
public:
  virtual ~job_store() = default;

  /// "memory", "sqlite", ... for logs.
  virtual std::string_view name() const noexcept = 0;

  /// Applies the batch as one transaction, in the order store_batch lists,
  /// and makes it durable before returning. A failure (store_error) applies
  /// nothing of it. Inserts and writes the store cannot hold (a record too
  /// large, ...) are refused one by one in the receipt, and the rest is
  /// written. The store may move records out of `batch`.
  ///
  /// Called by one thread at a time (the runtime's store actor, or a tool).
  /// A store opened beside its owner (sqlite_store::open_operator) refuses
  /// a batch with one of the owner's verbs (store_rules.hpp, owner_verb)
  /// as store_error::not_owner.
  virtual result<store_receipt, store_error> commit(store_batch& batch) = 0;

  /// The read side; lives as long as the store.
  virtual std::shared_ptr<job_reader> reader() = 0;

  /// The largest payload the store accepts; the runtime refuses larger
  /// enqueues up front (request_error::too_large).
  virtual std::size_t max_payload_bytes() const noexcept { return SIZE_MAX; }

  /// Whether commit() waits on I/O. The runtime commits a store that does
  /// not inline, and gives one that does a store actor on its own thread.
  virtual bool blocks_on_io() const noexcept { return true; }

  /// Whether other runtimes use the store at the same time (PostgreSQL's
  /// nodes). Then a claim also takes scheduled and retrying jobs whose
  /// run_at has come (apply_event(due), then dispatch), since no runtime
  /// can stage what another may take; rescue finds the jobs of owners that
  /// are gone, at any time, so the runtime asks at every poll; and a
  /// runtime does not stage.
  virtual bool shared() const noexcept { return false; }

  /// The owner name the store knows this runtime by (a shared store
  /// registers it to tell live owners from dead ones); nullopt: the
  /// runtime names itself.
  virtual std::optional<std::string> node() const { return std::nullopt; }

  /// `wake` is called, from any thread, when another process made jobs
  /// ready (a hint: the runtime polls anyway). Stores without such news
  /// never call it.
  virtual void on_wake(std::function<void()> wake) { (void) wake; }
};

} // namespace jobrt
