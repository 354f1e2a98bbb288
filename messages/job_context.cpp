#include "jobrt/messages/job_context.hpp"

namespace jobrt {

void stop_signal::raise() {
  {
    // Taken so that a waiter between its check and its sleep cannot miss
    // the notification.
    std::lock_guard<std::mutex> guard{mutex_};
    raised_.store(true, std::memory_order_release);
  }
  raised_cv_.notify_all();
}

void stop_signal::reset() {
  std::lock_guard<std::mutex> guard{mutex_};
  raised_.store(false, std::memory_order_release);
}

bool stop_signal::wait_for(duration d) const {
  std::unique_lock<std::mutex> lock{mutex_};
  return raised_cv_.wait_for(lock, d, [this] { return raised(); });
}

} // namespace jobrt
