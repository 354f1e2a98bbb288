#pragma once

// What a callable handler sees of the attempt it runs, and the handler type
// itself. A handler is called on one of jobrt's worker threads, where
// blocking is safe; it must return promptly once stop_requested() is true
// (the attempt timed out, the job was cancelled, or the runtime shuts down):
// jobrt cannot preempt a thread, it can only ask.

#include "jobrt/messages/job.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>

namespace spdlog {
class logger;
}

namespace jobrt {

/// A flag that is raised once per attempt and that a handler can sleep on.
/// Raised by any thread; read and waited on by the handler's thread.
class stop_signal {
public:
  void raise();
  /// Lowers the flag for the next attempt run on the same thread.
  void reset();
  bool raised() const noexcept { return raised_.load(std::memory_order_acquire); }
  /// Sleeps up to `d`; returns true as soon as the flag is raised.
  bool wait_for(duration d) const;

private:
  std::atomic<bool> raised_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable raised_cv_;
};

class job_context {
public:
  /// `record`, `stop` and `log` must outlive the context (the worker owns
  /// all three for the duration of the call).
  job_context(const jobrt::job& record, const stop_signal& stop,
              spdlog::logger& log) noexcept
    : record_(record), stop_(stop), log_(log) {}

  /// The job as it was dispatched (state processing, attempt = this one).
  const jobrt::job& job() const noexcept { return record_; }
  job_id id() const noexcept { return record_.id; }
  std::string_view type() const noexcept { return record_.type; }
  std::string_view payload() const noexcept { return record_.payload; }
  /// 1 for the first attempt.
  std::int32_t attempt() const noexcept { return record_.attempt; }

  /// True once the runtime asks this attempt to stop.
  bool stop_requested() const noexcept { return stop_.raised(); }
  /// Sleeps up to `d` but wakes when a stop is requested; returns true if
  /// it was (a cooperative sleep for handlers that wait on something).
  bool sleep_for(duration d) const { return stop_.wait_for(d); }

  spdlog::logger& log() const noexcept { return log_; }

private:
  const jobrt::job& record_;
  const stop_signal& stop_;
  spdlog::logger& log_;
};

/// A plain callable handler. An exception escaping it is a transient failure
/// with code error_codes::exception.
using job_handler = std::function<job_result(job_context&)>;

} // namespace jobrt
