#include "jobrt/actors/worker_pool.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <iterator>
#include <mutex>
#include <string>
#include <utility>

#include <pthread.h>

// One mutex guards the queue, the inbox and who runs what. A thread hands in
// the result of one attempt and takes its next item in the same critical
// section, so a result is never held back and each item costs one lock.
// Wake-ups are rare under load: a thread sleeps only when the queue is empty,
// submit wakes at most one thread per item, and results_ready fires only when
// the inbox turns non-empty, so a consumer that drains everything is woken
// once per burst.
//
// Everything the threads touch lives in shared_state, which each thread
// co-owns: a thread abandoned at stop (its handler never returned) can go on
// safely after the pool object is gone.

namespace jobrt {

namespace {

using steady = std::chrono::steady_clock;

work_result not_run(work_item&& item, steady::time_point now) {
  work_result r;
  r.id = item.record.id;
  r.attempt = item.record.attempt;
  r.result = job_error::transient(std::string(stopped_code),
                                  "stopped before the attempt started");
  r.dispatched_at = item.dispatched_at;
  r.started_at = now;
  r.finished_at = now;
  r.ran = false;
  return r;
}

job_result call_handler(const job_handler* handler, job_context& ctx) {
  const auto exception_code = std::string(error_codes::exception);
  try {
    if (handler == nullptr)
      return job_error::transient(exception_code, "no handler");
    return (*handler)(ctx);
  } catch (const std::exception& e) {
    return job_error::transient(exception_code, e.what());
  } catch (...) {
    return job_error::transient(exception_code, "unknown exception");
  }
}

void name_this_thread(std::size_t index) {
  // At most 15 characters; purely a debugging aid.
  const auto name = "jobrt-worker-" + std::to_string(index % 100);
  pthread_setname_np(pthread_self(), name.c_str());
}

} // namespace

struct worker_pool::shared_state {
  /// What one runner (a thread, or run_queued's caller) is running.
  struct runner {
    stop_signal stop;
    job_id running_id = 0; ///< 0: idle. Guarded by mutex.
    std::int32_t running_attempt = 0;
    time_point running_since{};
    bool exited = false; ///< its thread left thread_main. Guarded by mutex.
  };

  std::shared_ptr<spdlog::logger> log;
  std::function<void()> results_ready;
  std::function<time_point()> now;
  std::shared_ptr<const void> keep_alive;

  mutable std::mutex mutex;
  std::condition_variable work_cv;
  std::condition_variable exit_cv;
  // The queue is the submitted batches themselves, so a submit costs one
  // move of a vector under the lock. Every batch in it has items left from
  // `head` on (the front batch) or from 0 (the others).
  std::deque<std::vector<work_item>> batches;        // guarded by mutex
  std::size_t head = 0;                              // guarded by mutex
  std::size_t queued = 0;                            // guarded by mutex
  std::vector<std::vector<work_item>> spare_batches; // guarded by mutex
  std::vector<work_result> inbox;                    // guarded by mutex
  std::size_t idle_threads = 0;                      // guarded by mutex
  bool stopping = false;                             // guarded by mutex
  /// Set once the owner stopped waiting: threads no longer call
  /// results_ready.
  bool closed = false; // guarded by mutex

  std::deque<runner> runners; // one per thread, plus one for run_queued

  using batch_iterator = std::deque<std::vector<work_item>>::iterator;

  static void thread_main(std::shared_ptr<shared_state> self, runner& me);
  /// The runner running attempt `attempt` of job `id`, or null.
  runner* runner_of_locked(job_id id, std::int32_t attempt) {
    for (auto& r : runners)
      if (r.running_id == id && r.running_attempt == attempt)
        return &r;
    return nullptr;
  }
  /// The first item of `batch` not yet taken.
  std::vector<work_item>::iterator first_left(batch_iterator batch) {
    return batch->begin() +
           (batch == batches.begin() ? static_cast<std::ptrdiff_t>(head) : 0);
  }
  /// Where that attempt waits in the queue, if it does.
  std::optional<std::pair<batch_iterator, std::vector<work_item>::iterator>>
  find_queued_locked(job_id id, std::int32_t attempt) {
    for (auto batch = batches.begin(); batch != batches.end(); ++batch) {
      auto found = std::find_if(first_left(batch), batch->end(),
                                [&](const work_item& item) {
                                  return item.record.id == id &&
                                         item.record.attempt == attempt;
                                });
      if (found != batch->end())
        return std::pair{batch, found};
    }
    return std::nullopt;
  }
  bool take_locked(runner& me, work_item& item);
  /// Publishes `r`; true if the consumer is to be notified after unlocking.
  bool publish_locked(work_result&& r);
  /// Returns every queued item as not run; true if the consumer is to be
  /// notified.
  bool refuse_queued_locked();
  void run_one(runner& me, work_item& item, steady::time_point started_at,
               work_result& out);
  void notify_results() {
    if (results_ready)
      results_ready();
  }
};

worker_pool::worker_pool(std::size_t threads, std::shared_ptr<spdlog::logger> log,
                         std::function<void()> results_ready,
                         worker_pool_options options)
  : state_(std::make_shared<shared_state>()),
    stop_patience_(options.stop_patience) {
  auto& s = *state_;
  s.log = log ? std::move(log)
              : std::make_shared<spdlog::logger>("jobrt.worker_pool");
  s.results_ready = std::move(results_ready);
  s.now = options.now ? std::move(options.now) : [] { return wall_clock_now(); };
  s.keep_alive = std::move(options.keep_alive);
  for (std::size_t i = 0; i <= threads; ++i)
    s.runners.emplace_back();
  threads_.reserve(threads);
  try {
    for (std::size_t i = 0; i < threads; ++i)
      threads_.emplace_back([state = state_, i] {
        name_this_thread(i);
        shared_state::thread_main(state, state->runners[i]);
      });
  } catch (...) {
    // The threads already started must not outlive *this; a thread never
    // started is no thread to wait for.
    {
      std::lock_guard<std::mutex> guard{s.mutex};
      for (auto i = threads_.size(); i < threads; ++i)
        s.runners[i].exited = true;
    }
    stop_and_join();
    throw;
  }
  s.log->debug("worker pool started with {} threads", threads);
}

worker_pool::~worker_pool() {
  stop_and_join(stop_patience_);
}

void worker_pool::submit(std::vector<work_item>& items) {
  if (items.empty())
    return;
  auto& s = *state_;
  std::size_t to_wake = 0;
  bool notify = false;
  {
    std::lock_guard<std::mutex> guard{s.mutex};
    if (!s.stopping) {
      to_wake = std::min(items.size(), s.idle_threads);
      s.queued += items.size();
      s.batches.push_back(std::move(items));
      items = std::vector<work_item>{};
      if (!s.spare_batches.empty()) {
        items.swap(s.spare_batches.back()); // keeps the caller's capacity
        s.spare_batches.pop_back();
      }
    } else {
      const auto now = steady::now();
      for (auto& item : items)
        notify = s.publish_locked(not_run(std::move(item), now)) || notify;
    }
  }
  items.clear(); // a spare batch holds moved-from items: freed outside the lock
  for (std::size_t i = 0; i < to_wake; ++i)
    s.work_cv.notify_one();
  if (notify)
    s.notify_results();
}

void worker_pool::set_results_ready(std::function<void()> results_ready) {
  std::lock_guard<std::mutex> guard{state_->mutex};
  state_->results_ready = std::move(results_ready);
}

void worker_pool::take_results(std::vector<work_result>& out) {
  auto& s = *state_;
  std::lock_guard<std::mutex> guard{s.mutex};
  if (out.empty()) {
    out.swap(s.inbox);
    return;
  }
  std::move(s.inbox.begin(), s.inbox.end(), std::back_inserter(out));
  s.inbox.clear();
}

void worker_pool::request_stop(job_id id, std::int32_t attempt) {
  auto& s = *state_;
  bool notify = false;
  {
    std::lock_guard<std::mutex> guard{s.mutex};
    if (auto* r = s.runner_of_locked(id, attempt)) {
      r->stop.raise();
      return;
    }
    if (auto where = s.find_queued_locked(id, attempt)) {
      auto [batch, found] = *where;
      const bool was_last = batch->end() - s.first_left(batch) == 1;
      notify = s.publish_locked(not_run(std::move(*found), steady::now()));
      batch->erase(found);
      --s.queued;
      if (was_last) {
        if (batch == s.batches.begin())
          s.head = 0;
        s.batches.erase(batch);
      }
    }
  }
  if (notify)
    s.notify_results();
}

attempt_phase worker_pool::phase_of(job_id id, std::int32_t attempt) const {
  auto& s = *state_;
  std::lock_guard<std::mutex> guard{s.mutex};
  if (const auto* r = s.runner_of_locked(id, attempt))
    return {attempt_phase::kind::running, r->running_since};
  if (s.find_queued_locked(id, attempt))
    return {attempt_phase::kind::queued, {}};
  return {};
}

void worker_pool::stop() {
  auto& s = *state_;
  bool notify = false;
  {
    std::lock_guard<std::mutex> guard{s.mutex};
    if (s.stopping)
      return;
    s.stopping = true;
    notify = s.refuse_queued_locked();
    for (auto& r : s.runners)
      if (r.running_id != 0)
        r.stop.raise();
  }
  s.work_cv.notify_all();
  if (notify)
    s.notify_results();
}

std::size_t worker_pool::stop_and_join(std::chrono::milliseconds patience) {
  stop();
  auto& s = *state_;
  {
    std::unique_lock<std::mutex> lock{s.mutex};
    const auto all_exited = [&] {
      for (std::size_t i = 0; i < threads_.size(); ++i)
        if (!s.runners[i].exited)
          return false;
      return true;
    };
    if (patience == std::chrono::milliseconds::max())
      s.exit_cv.wait(lock, all_exited);
    else
      s.exit_cv.wait_for(lock, patience, all_exited);
    s.closed = true;
    for (std::size_t i = 0; i < threads_.size(); ++i) {
      if (!threads_[i].joinable())
        continue;
      if (s.runners[i].exited)
        continue; // joined below, outside the lock
      s.log->error("worker pool: abandoning the thread of job {} attempt {}: "
                   "its handler did not return {} ms after it was asked to "
                   "stop",
                   s.runners[i].running_id, s.runners[i].running_attempt,
                   patience.count());
      threads_[i].detach();
      ++abandoned_;
    }
  }
  for (auto& t : threads_)
    if (t.joinable())
      t.join(); // it has left thread_main: returns at once
  return abandoned_;
}

std::size_t worker_pool::run_queued(std::size_t max) {
  auto& s = *state_;
  auto& me = s.runners.back();
  std::size_t ran = 0;
  work_item item;
  work_result result;
  while (ran < max) {
    const auto started_at = steady::now();
    {
      std::lock_guard<std::mutex> guard{s.mutex};
      if (!s.take_locked(me, item))
        break;
    }
    s.run_one(me, item, started_at, result);
    ++ran;
    bool notify = false;
    {
      std::lock_guard<std::mutex> guard{s.mutex};
      me.running_id = 0;
      notify = s.publish_locked(std::move(result));
    }
    if (notify)
      s.notify_results();
  }
  return ran;
}

std::size_t worker_pool::queued() const {
  std::lock_guard<std::mutex> guard{state_->mutex};
  return state_->queued;
}

// -- the threads ------------------------------------------------------------

void worker_pool::shared_state::thread_main(std::shared_ptr<shared_state> self,
                                            runner& me) {
  auto& s = *self;
  work_item item;
  work_result result;
  bool has_result = false;
  for (;;) {
    bool notify = false;
    bool has_item = false;
    // The time a result is finished is the time the next item is started:
    // one clock read per item.
    auto now = has_result ? result.finished_at : steady::now();
    {
      std::unique_lock<std::mutex> lock{s.mutex};
      if (has_result) {
        me.running_id = 0;
        // An abandoned thread's result is dropped unheard: its owner left.
        notify = s.publish_locked(std::move(result)) && !s.closed;
        has_result = false;
      }
      has_item = s.take_locked(me, item);
      if (!has_item && !s.stopping) {
        if (notify) {
          // The consumer hears of the result before this thread sleeps.
          lock.unlock();
          s.notify_results();
          notify = false;
          lock.lock();
        }
        ++s.idle_threads;
        s.work_cv.wait(lock, [&] { return s.stopping || s.queued != 0; });
        --s.idle_threads;
        has_item = s.take_locked(me, item);
        now = steady::now();
      }
      if (!has_item) {
        // Stopping, and the queue was handed back by stop().
        me.exited = true;
        lock.unlock();
        s.exit_cv.notify_all();
        if (notify)
          s.notify_results();
        return;
      }
    }
    if (notify)
      s.notify_results();
    s.run_one(me, item, now, result);
    has_result = true;
  }
}

bool worker_pool::shared_state::take_locked(runner& me, work_item& item) {
  if (queued == 0)
    return false;
  auto& front = batches.front();
  item = std::move(front[head]);
  --queued;
  if (++head == front.size()) {
    if (spare_batches.size() < 8)
      spare_batches.push_back(std::move(front)); // cleared by its next submitter
    batches.pop_front();
    head = 0;
  }
  // Nobody raises this signal while the runner is idle, so lowering it here
  // cannot lose a request aimed at the item being taken.
  if (me.stop.raised())
    me.stop.reset();
  me.running_id = item.record.id;
  me.running_attempt = item.record.attempt;
  me.running_since = now();
  return true;
}

bool worker_pool::shared_state::publish_locked(work_result&& r) {
  const bool was_empty = inbox.empty();
  inbox.push_back(std::move(r));
  return was_empty;
}

bool worker_pool::shared_state::refuse_queued_locked() {
  bool was_empty = inbox.empty();
  const auto at = steady::now();
  for (auto& batch : batches) {
    for (auto item = batch.begin() + static_cast<std::ptrdiff_t>(head);
         item != batch.end(); ++item)
      inbox.push_back(not_run(std::move(*item), at));
    head = 0;
  }
  batches.clear();
  queued = 0;
  return was_empty && !inbox.empty();
}

void worker_pool::shared_state::run_one(runner& me, work_item& item,
                                        steady::time_point started_at,
                                        work_result& out) {
  out.id = item.record.id;
  out.attempt = item.record.attempt;
  out.dispatched_at = item.dispatched_at;
  // Read before taking the item (see thread_main): never before dispatch.
  out.started_at = std::max(started_at, item.dispatched_at);
  out.ran = true;
  job_context ctx{item.record, me.stop, *log};
  out.result = call_handler(item.handler, ctx);
  out.finished_at = steady::now();
}

} // namespace jobrt
