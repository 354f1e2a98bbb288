#pragma once

// The supervisor: the only code that decides how a job changes, and the
// owner of its working set (DESIGN.md, "Shape"). It restarts nothing (the
// name is DESIGN.md's, not OTP's).
//
// The store is the record of every job; the supervisor holds only what it
// works on (actors/working_set.hpp): running attempts, jobs whose deadline
// is within the staging horizon, and the jobs a turn changed until their
// writes are durable. Its memory is bounded by that, never by the number of
// jobs in the store, and its start costs the same for 10 jobs or 10
// million: the first turn asks for a rescue, a claim and a stage.
//
// One message is one turn. The turn decides every change with apply_event
// (transitions.hpp), then seals one batch of verbs (messages/
// store_batch.hpp): new jobs, fenced writes, a claim for the free slots
// (actors/dispatch_gate.hpp), a stage of jobs coming due, a purge. Only
// when the store has made the batch durable does the turn take effect: it
// replies, hands attempts to handlers, sends deadlines to the timer,
// outcomes to the circuit breaker and events to subscribers. A store that
// blocks on I/O gets a store actor with group commit (store_actor.hpp), so
// the supervisor never waits on the disk.
//
// Dispatch: a job the supervisor holds (just enqueued, or come due) starts
// at once when its lane admits it and no older ready job of its type waits
// in the store; it is then written once, already processing. Every other
// ready job is claimed from the store, in priority, run_at, id order.
//
// Fencing: every write carries the state, attempt and owner it was decided
// from; one the store refuses (an operator or another node changed the
// job) drops the job from the working set and stops its attempt. A result,
// timeout or release for an attempt that is not the job's current one is
// counted, logged at debug and dropped.
//
// Operators: what jobctl changes beside a running runtime is a fenced
// write, found by the next claim (a requeued job) or by the refusal of the
// runtime's next write (a job it holds). A cancel of a running attempt is
// an operator command instead (messages/store_batch.hpp): taken at each
// poll and run as a runtime cancel on the job as held; a command for a job
// not held is ignored.
//
// Time limits: an attempt's deadline is armed at dispatch, and when it
// fires for an attempt on the worker pool the pool is asked when its handler
// really started; a deadline that came early is moved to start + timeout.
//
// A store that cannot commit: a record it refuses (store_error::record, a
// write_refusal of code record) is set aside (quarantined: logged, counted,
// never written or run again by this runtime); any other failure makes the
// supervisor degraded until a write works again. While degraded, requests
// are answered at once with store_failure naming the cause.

#include "jobrt/actors/clock.hpp"
#include "jobrt/actors/handler_registry.hpp"
#include "jobrt/actors/retention_policy.hpp"
#include "jobrt/messages/interfaces.hpp"
#include "jobrt/persistence/job_store.hpp"

#include <string>

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
  /// Names this runtime in the store's owner column while it runs an
  /// attempt; unique per start.
  std::string owner;
  /// Scheduled and retrying jobs due within this horizon are held (armed in
  /// the timer); later ones stay in the store until they come near.
  duration stage_horizon{std::chrono::seconds(30)};
  /// Jobs held for their deadline at most (and so timer entries).
  std::size_t max_staged = 10'000;
  /// How often the store is asked for ready jobs this runtime was not told
  /// of (an operator's requeue, another process's enqueue, a run_at that
  /// came without a deadline held for it) and for operators' commands.
  duration poll_interval{std::chrono::seconds(1)};
  /// Rows one rescue, stage or purge asks for at most.
  std::size_t store_page = 1000;
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
