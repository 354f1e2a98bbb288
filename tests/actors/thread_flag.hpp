#pragma once

// A one-way flag one thread raises and another waits for, with a bound:
// how tests on real threads wait for a real signal instead of sleeping.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace jobrt::testing {

class thread_flag {
public:
  void raise() {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      raised_ = true;
    }
    raised_cv_.notify_all();
  }

  /// True once raised; false if `bound` passes first.
  bool wait(std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock{mutex_};
    return raised_cv_.wait_for(lock, bound, [this] { return raised_; });
  }

private:
  std::mutex mutex_;
  std::condition_variable raised_cv_;
  bool raised_ = false;
};

} // namespace jobrt::testing
