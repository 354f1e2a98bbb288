#pragma once

// The supervisor: the only owner of the job table (DESIGN.md, "Shape").
//
// Every change of a job goes through apply_event (transitions.hpp). One
// message is one turn: the turn changes the table, dispatches what it can,
// then commits all of the turn's changes to the store in one batch, and only
// after the commit does it reply, hand attempts to handlers, send deadlines
// to the timer, outcomes to the circuit breaker and events to subscribers.
//
// Durability: a turn's effects wait until the store has committed the
// turn's changes; a store that blocks on I/O gets a store actor with group
// commit (store_actor.hpp), so the supervisor never waits on the disk. Reads
// (get, list, stats) are answered in the same order, so they never show a
// change that is not yet durable.
//
// Dispatch takes pending jobs by priority, then run_at, then id, among the
// lanes that are allowed to run: the job's breaker key is closed (or has
// half-open probes left), its type and queue are below their concurrency
// limits, and fewer than max_in_flight attempts are out in total. That last
// bound keeps CAF's outstanding requests and the worker pool's queue small.
//
// Fencing: a result, timeout or release names its attempt; one that is not
// the job's current attempt is counted, logged at debug and dropped.
//
// Time limits: an attempt's deadline is armed at dispatch, and when it
// fires for an attempt on the worker pool the pool is asked when its handler
// really started; a deadline that came early (the attempt waited for a
// thread) is moved to start + timeout. So the limit measures the handler's
// run, at no cost per attempt.
//
// Every job the supervisor holds is in one place: ready (in the dispatch
// queue), armed (the timer holds its deadline), running, or terminal. A
// dispatch refused as not due (a run_at ahead of the clock, say after the
// wall clock stepped back) arms the job for its run_at.
//
// A store that cannot commit: a failure tied to one record (store_error::
// record) sets that record aside (quarantined: logged, counted, never
// written or dispatched again by this runtime) and writes the rest at once;
// any other failure makes the supervisor degraded until a recommit works.
// While degraded, requests are answered at once with store_failure naming
// the cause instead of waiting for the disk.

#include "jobrt/actors/clock.hpp"
#include "jobrt/actors/handler_registry.hpp"
#include "jobrt/actors/retention_policy.hpp"
#include "jobrt/messages/interfaces.hpp"
#include "jobrt/persistence/job_store.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace jobrt {

class worker_pool;

struct supervisor_setup {
  std::shared_ptr<const handler_registry> registry;
  /// Used only by the supervisor (inline) or its store actor; must outlive
  /// the supervisor.
  std::shared_ptr<job_store> store;
  /// Commit in the supervisor's own turn instead of through a store actor:
  /// right for stores that do not block (job_store::blocks_on_io).
  bool inline_commit = true;
  /// Which finished jobs are removed, and when.
  retention_policy retention = retention_policy::keep_all();
  /// What the store held at start (see job_store::load).
  store_snapshot snapshot;
  std::shared_ptr<const actor_system_clock> clock;
  std::shared_ptr<spdlog::logger> log;
  timer_actor timer;
  /// Threads that run callable handlers; 0 allows only handler actors.
  std::size_t worker_threads = 4;
  /// Where callable handlers run (the runtime's pool of worker_threads
  /// threads, or a manual-mode one in tests); null allows only handler
  /// actors. The supervisor stops it when it ends; its owner joins it. The
  /// hand-off bound below counts worker_threads.
  std::shared_ptr<worker_pool> pool;
  /// Attempts handed to callable handlers and not yet returned are at most
  /// worker_threads * handoff_per_thread: one running per thread, the rest
  /// waiting for a thread. An attempt's time limit counts from the start of
  /// its handler, but a waiting attempt has already spent its attempt
  /// number, and would be found "running" after a crash: keep this small.
  std::size_t handoff_per_thread = 2;
  /// Attempts handed to handlers and not yet returned, over all types.
  std::size_t max_in_flight = 256;
  /// Per queue: at most this many attempts at once.
  std::map<std::string, std::int32_t, std::less<>> queue_concurrency;
  /// Seeds the retry policy's jitter.
  std::uint64_t jitter_seed = 0;
};

/// Spawns the supervisor, which spawns (and links) its circuit breaker and
/// registers with `setup.timer` for job deadlines. Quit it with an exit
/// message; it joins its worker threads on the way out.
supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  supervisor_setup setup);

} // namespace jobrt
