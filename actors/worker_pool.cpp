#include "jobrt/actors/worker_pool.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <exception>
#include <iterator>
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

worker_pool::worker_pool(std::size_t threads, std::shared_ptr<spdlog::logger> log,
                         std::function<void()> results_ready)
  : log_(log ? std::move(log) : std::make_shared<spdlog::logger>("jobrt.worker_pool")),
    results_ready_(std::move(results_ready)) {
  for (std::size_t i = 0; i <= threads; ++i)
    runners_.emplace_back();
  threads_.reserve(threads);
  try {
    for (std::size_t i = 0; i < threads; ++i)
      threads_.emplace_back([this, i] {
        name_this_thread(i);
        thread_main(runners_[i]);
      });
  } catch (...) {
    stop_and_join(); // the threads already started must not outlive *this
    throw;
  }
  log_->debug("worker pool started with {} threads", threads);
}

worker_pool::~worker_pool() {
  stop_and_join();
}

void worker_pool::submit(std::vector<work_item>& items) {
  if (items.empty())
    return;
  std::size_t to_wake = 0;
  bool notify = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!stopping_) {
      to_wake = std::min(items.size(), idle_threads_);
      queued_ += items.size();
      batches_.push_back(std::move(items));
      items = std::vector<work_item>{};
      if (!spare_batches_.empty()) {
        items.swap(spare_batches_.back()); // keeps the caller's capacity
        spare_batches_.pop_back();
      }
    } else {
      const auto now = steady::now();
      for (auto& item : items)
        notify = publish_locked(not_run(std::move(item), now)) || notify;
    }
  }
  items.clear(); // a spare batch holds moved-from items: freed outside the lock
  for (std::size_t i = 0; i < to_wake; ++i)
    work_cv_.notify_one();
  if (notify)
    notify_results();
}

void worker_pool::take_results(std::vector<work_result>& out) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (out.empty()) {
    out.swap(inbox_);
    return;
  }
  std::move(inbox_.begin(), inbox_.end(), std::back_inserter(out));
  inbox_.clear();
}

void worker_pool::request_stop(job_id id, std::int32_t attempt) {
  bool notify = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& r : runners_) {
      if (r.running_id == id && r.running_attempt == attempt) {
        r.stop.raise();
        return;
      }
    }
    const auto matches = [&](const work_item& item) {
      return item.record.id == id && item.record.attempt == attempt;
    };
    for (auto batch = batches_.begin(); batch != batches_.end(); ++batch) {
      const auto first = batch->begin() + (batch == batches_.begin() ? static_cast<std::ptrdiff_t>(head_) : 0);
      const auto found = std::find_if(first, batch->end(), matches);
      if (found == batch->end())
        continue;
      const bool was_last = batch->end() - first == 1;
      notify = publish_locked(not_run(std::move(*found), steady::now()));
      batch->erase(found);
      --queued_;
      if (was_last) {
        if (batch == batches_.begin())
          head_ = 0;
        batches_.erase(batch);
      }
      break;
    }
  }
  if (notify)
    notify_results();
}

void worker_pool::stop_and_join() {
  std::lock_guard<std::mutex> join_guard{join_mutex_};
  bool notify = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!stopping_) {
      stopping_ = true;
      notify = refuse_queued_locked();
      for (auto& r : runners_)
        if (r.running_id != 0)
          r.stop.raise();
    }
  }
  work_cv_.notify_all();
  if (notify)
    notify_results();
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
}

std::size_t worker_pool::run_queued(std::size_t max) {
  auto& self = runners_.back();
  std::size_t ran = 0;
  work_item item;
  work_result result;
  while (ran < max) {
    const auto started_at = steady::now();
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (!take_locked(self, item))
        break;
    }
    run_one(self, item, started_at, result);
    ++ran;
    bool notify = false;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      self.running_id = 0;
      notify = publish_locked(std::move(result));
    }
    if (notify)
      notify_results();
  }
  return ran;
}

std::size_t worker_pool::queued() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return queued_;
}

void worker_pool::thread_main(runner& self) {
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
      std::unique_lock<std::mutex> lock{mutex_};
      if (has_result) {
        self.running_id = 0;
        notify = publish_locked(std::move(result));
        has_result = false;
      }
      has_item = take_locked(self, item);
      if (!has_item && !stopping_) {
        if (notify) {
          // The consumer hears of the result before this thread sleeps.
          lock.unlock();
          notify_results();
          notify = false;
          lock.lock();
        }
        ++idle_threads_;
        work_cv_.wait(lock, [this] { return stopping_ || queued_ != 0; });
        --idle_threads_;
        has_item = take_locked(self, item);
        now = steady::now();
      }
    }
    if (notify)
      notify_results();
    if (!has_item)
      return; // stopping, and the queue was handed back by stop_and_join
    run_one(self, item, now, result);
    has_result = true;
  }
}

bool worker_pool::take_locked(runner& self, work_item& item) {
  if (queued_ == 0)
    return false;
  auto& front = batches_.front();
  item = std::move(front[head_]);
  --queued_;
  if (++head_ == front.size()) {
    if (spare_batches_.size() < 8)
      spare_batches_.push_back(std::move(front)); // cleared by its next submitter
    batches_.pop_front();
    head_ = 0;
  }
  // Nobody raises this signal while the runner is idle, so lowering it here
  // cannot lose a request aimed at the item being taken.
  if (self.stop.raised())
    self.stop.reset();
  self.running_id = item.record.id;
  self.running_attempt = item.record.attempt;
  return true;
}

bool worker_pool::publish_locked(work_result&& r) {
  const bool was_empty = inbox_.empty();
  inbox_.push_back(std::move(r));
  return was_empty;
}

bool worker_pool::refuse_queued_locked() {
  bool was_empty = inbox_.empty();
  const auto now = steady::now();
  for (auto& batch : batches_) {
    for (auto item = batch.begin() + static_cast<std::ptrdiff_t>(head_); item != batch.end(); ++item)
      inbox_.push_back(not_run(std::move(*item), now));
    head_ = 0;
  }
  batches_.clear();
  queued_ = 0;
  return was_empty && !inbox_.empty();
}

void worker_pool::run_one(runner& self, work_item& item, steady::time_point started_at,
                          work_result& out) {
  out.id = item.record.id;
  out.attempt = item.record.attempt;
  out.dispatched_at = item.dispatched_at;
  // Read before taking the item (see thread_main): never before dispatch.
  out.started_at = std::max(started_at, item.dispatched_at);
  out.ran = true;
  job_context ctx{item.record, self.stop, *log_};
  out.result = call_handler(item.handler, ctx);
  out.finished_at = steady::now();
}

void worker_pool::notify_results() {
  if (results_ready_)
    results_ready_();
}

} // namespace jobrt
