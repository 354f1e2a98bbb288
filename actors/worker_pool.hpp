#pragma once

// Where plain callable handlers run: a fixed set of threads owned by the
// pool, never CAF's scheduler threads, because a handler may block. The
// supervisor submits dispatched attempts in batches and drains their results
// in batches; the pool is not an actor and knows nothing of CAF.
//
// Contract:
//  - Every submitted item comes back exactly once as a work_result: run
//    (ran = true) or returned unrun (ran = false, a transient "stopped"
//    error) by request_stop, stop_and_join, or a submit after the stop.
//  - Each thread takes one item at a time, so a hung handler holds only its
//    own thread; a result is published as soon as its handler returns.
//  - A handler that ignores its stop_signal cannot be preempted: stop_and_join
//    (and so the destructor) waits for it to return.
//  - submit, take_results, request_stop, queued and thread_count may be
//    called from any thread. run_queued is for one thread at a time.
//    stop_and_join and the destructor must not be called from a worker thread
//    nor from results_ready.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/job_context.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace spdlog {
class logger;
}

namespace jobrt {

/// One dispatched attempt.
struct work_item {
  job record; ///< state processing, attempt = the attempt to run
  /// Owned by the handler registry; must outlive the pool. Never null.
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
              std::function<void()> results_ready);
  /// stop_and_join().
  ~worker_pool();

  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Moves every item in, under one lock, and clears `items`; wakes no more
  /// threads than there are items. After stop_and_join the items come back
  /// at once as not-run results.
  void submit(std::vector<work_item>& items);

  /// Moves the whole result inbox into `out`: swapped when `out` is empty
  /// (so the two buffers' capacity is reused), appended otherwise.
  void take_results(std::vector<work_result>& out);

  /// Asks attempt `attempt` of job `id` to stop: if it runs, its thread's
  /// stop_signal is raised; if it is still queued, it comes back unrun.
  /// Unknown or finished attempts are ignored.
  void request_stop(job_id id, std::int32_t attempt);

  /// Stops accepting work, returns every queued item as not run, raises the
  /// stop of every running attempt and joins the threads once their handlers
  /// return. Idempotent.
  void stop_and_join();

  /// Manual mode: runs up to `max` queued items, in order, on the calling
  /// thread; returns how many ran. With threads, it competes with them.
  std::size_t run_queued(std::size_t max = std::numeric_limits<std::size_t>::max());

  std::size_t thread_count() const noexcept { return threads_.size(); }
  /// Items submitted and not yet taken by a thread.
  std::size_t queued() const;

private:
  /// What one runner (a thread, or run_queued's caller) is running.
  struct runner {
    stop_signal stop;
    job_id running_id = 0; ///< 0: idle. Guarded by mutex_.
    std::int32_t running_attempt = 0;
  };

  void thread_main(runner& self);
  /// Takes the next item for `self` and marks it running; false if none.
  bool take_locked(runner& self, work_item& item);
  /// Publishes `r`; true if the inbox was empty (notify after unlocking).
  bool publish_locked(work_result&& r);
  /// Returns every queued item as not run; true if the inbox was empty.
  bool refuse_queued_locked();
  /// Runs `item` on `self`; `started_at` was read when the item was taken.
  void run_one(runner& self, work_item& item,
               std::chrono::steady_clock::time_point started_at, work_result& out);
  void notify_results();

  std::shared_ptr<spdlog::logger> log_;
  std::function<void()> results_ready_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;
  // The queue is the submitted batches themselves, so a submit costs one
  // move of a vector under the lock. Every batch in it has items left from
  // `head_` on (the front batch) or from 0 (the others).
  std::deque<std::vector<work_item>> batches_;       // guarded by mutex_
  std::size_t head_ = 0;                             // guarded by mutex_
  std::size_t queued_ = 0;                           // guarded by mutex_
  std::vector<std::vector<work_item>> spare_batches_; // guarded by mutex_
  std::vector<work_result> inbox_;                   // guarded by mutex_
  std::size_t idle_threads_ = 0;                     // guarded by mutex_
  bool stopping_ = false;                            // guarded by mutex_

  std::deque<runner> runners_; // one per thread, plus one for run_queued
  std::vector<std::thread> threads_;
  std::mutex join_mutex_;
};

} // namespace jobrt
