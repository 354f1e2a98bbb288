#pragma once

// Jobs whose handler returned success, counted by the handlers themselves.
// A wait sleeps on this instead of polling runtime::stats(): stats() now
// reads the store (its counts are a scan of the jobs, O(jobs in the store)
// for both stores), so polling it every millisecond would measure the
// polling. The store's counts are read once the handlers are done, to see
// the completions become durable.
//
// add() is called from any thread (the runtime's worker threads); the
// waits from one thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace bench {

class completion_counter {
public:
  /// One more success; wakes a waiter once its target is reached.
  void add();
  std::uint64_t value() const noexcept { return count_.load(); }
  /// Sleeps up to `timeout`, waking as soon as value() >= target; returns
  /// value().
  std::uint64_t wait_for(std::uint64_t target,
                         std::chrono::milliseconds timeout);

private:
  std::atomic<std::uint64_t> count_{0};
  /// What the waiter waits for: handlers take the lock to notify only once
  /// the count reaches it, so a million add() calls cost no lock.
  std::atomic<std::uint64_t> target_{UINT64_MAX};
  std::mutex mutex_;
  std::condition_variable reached_;
};

} // namespace bench
