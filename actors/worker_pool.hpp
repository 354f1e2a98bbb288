#pragma once

// Where plain callable handlers run: a fixed set of threads owned by the
// pool, never CAF's scheduler threads, because a handler may block. The
// supervisor submits dispatched attempts in batches and drains their results
// in batches; the pool is not an actor and knows nothing of CAF.
//
// Contract:
//  - Every submitted item comes back exactly once as a work_result: run
//    (ran = true) or returned unrun (ran = false, a transient "stopped"
//    error) by request_stop, stop_and_join, or a submit after the stop. The
//    one exception is an attempt whose thread was abandoned (below): its
//    result is dropped.
//  - Each thread takes one item at a time, so a hung handler holds only its
//    own thread; a result is published as soon as its handler returns.
//  - The pool remembers when each running attempt started (on the clock
//    given in the options), so an attempt's time limit can be measured from
//    the start of its handler rather than from its dispatch.
//  - A handler that ignores its stop_signal cannot be preempted. stop_and_join
//    waits for it at most `patience`, then abandons its thread: the thread
//    is detached and goes on running that handler until it returns, keeping
//    alive only the pool's shared state and `keep_alive`; nothing else of
//    the pool is touched by it, and results_ready is never called again.
//  - submit, take_results, request_stop, phase_of, queued and thread_count
//    may be called from any thread. run_queued is for one thread at a time.
//    stop_and_join and the destructor must not be called from a worker thread
//    nor from results_ready.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/job_context.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace spdlog {
class logger;
}

namespace jobrt {

/// One dispatched attempt.
struct work_item {
  job record; ///< state processing, attempt = the attempt to run
  /// Owned by the handler registry (see worker_pool_options::keep_alive).
  /// Never null.
  const job_handler* handler = nullptr;
  std::chrono::steady_clock::time_point dispatched_at;
};

/// What became of one work_item.
struct work_result {
  job_id id = 0;
  std::int32_t attempt = 0;
  job_result result = job_output{};
  std::chrono::steady_clock::time_point dispatched_at;
  /// Equal to finished_at when the item never ran.
  std::chrono::steady_clock::time_point started_at;
  std::chrono::steady_clock::time_point finished_at;
  /// False when the item was stopped before it started (the handler was not
  /// called and the attempt should not count as run).
  bool ran = true;
};

/// The error of an item returned without running.
inline constexpr std::string_view stopped_code = "stopped";

/// Where one attempt is in the pool.
struct attempt_phase {
  enum class kind : std::uint8_t {
    queued,  ///< submitted, no thread has taken it yet
    running, ///< a handler runs it since `since`
    absent,  ///< unknown, or finished (its result is in, or on its way)
  };
  kind phase = kind::absent;
  time_point since{};
};

struct worker_pool_options {
  /// The clock attempt_phase::since is read from; unset: the wall clock.
  /// Called on worker threads.
  std::function<time_point()> now;
  /// Kept alive as long as any thread of the pool runs, abandoned ones
  /// included: give it whatever the handlers point into (the registry).
  std::shared_ptr<const void> keep_alive;
  /// How long the destructor waits for handlers asked to stop.
  std::chrono::milliseconds stop_patience{std::chrono::seconds(2)};
};

class worker_pool {
public:
  /// Starts `threads` threads; 0 selects manual mode, for deterministic
  /// tests, where nothing runs until run_queued(). `log` is handed to every
  /// handler (null: a logger without sinks). `results_ready` is called
  /// outside any lock, on the thread that produced the result, each time the
  /// result inbox goes from empty to non-empty; the consumer then drains it
  /// with take_results. It must not block and must not call stop_and_join.
  /// Throws std::system_error if a thread cannot be started (the threads
  /// already started are stopped and joined first).
  worker_pool(std::size_t threads, std::shared_ptr<spdlog::logger> log,
              std::function<void()> results_ready,
              worker_pool_options options = {});
  /// stop_and_join(options.stop_patience).
  ~worker_pool();

  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Moves every item in, under one lock, and clears `items`; wakes no more
  /// threads than there are items. After stop() the items come back at once
  /// as not-run results.
  void submit(std::vector<work_item>& items);

  /// Replaces results_ready (see the constructor). Call it before the first
  /// submit: the threads read it without a lock.
  void set_results_ready(std::function<void()> results_ready);

  /// Moves the whole result inbox into `out`: swapped when `out` is empty
  /// (so the two buffers' capacity is reused), appended otherwise.
  void take_results(std::vector<work_result>& out);

  /// Asks attempt `attempt` of job `id` to stop: if it runs, its thread's
  /// stop_signal is raised; if it is still queued, it comes back unrun.
  /// Unknown or finished attempts are ignored.
  void request_stop(job_id id, std::int32_t attempt);

  /// Whether attempt `attempt` of job `id` waits, runs (and since when), or
  /// is not here.
  attempt_phase phase_of(job_id id, std::int32_t attempt) const;

  /// Stops accepting work, returns every queued item as not run and raises
  /// the stop of every running attempt. Does not wait. Idempotent.
  void stop();

  /// stop(), then joins the threads whose handlers return within
  /// `patience`, and abandons (detaches) the others. Returns how many
  /// threads are abandoned, in this call and earlier ones. Idempotent.
  std::size_t stop_and_join(std::chrono::milliseconds patience =
                                std::chrono::milliseconds::max());

  /// Manual mode: runs up to `max` queued items, in order, on the calling
  /// thread; returns how many ran. With threads, it competes with them.
  std::size_t run_queued(std::size_t max = std::numeric_limits<std::size_t>::max());

  std::size_t thread_count() const noexcept { return threads_.size(); }
  /// Items submitted and not yet taken by a thread.
  std::size_t queued() const;

private:
  struct shared_state;

  std::shared_ptr<shared_state> state_;
  std::vector<std::thread> threads_; ///< a detached thread stays, unjoinable
  std::chrono::milliseconds stop_patience_;
  std::size_t abandoned_ = 0;
};

} // namespace jobrt
