#include "completion_counter.hpp"

namespace bench {

void completion_counter::add() {
  // Sequentially consistent, as the waiter's store of its target and load
  // of the count: then at least one side sees the other's write (the count
  // or the target), and no wake-up is lost.
  auto n = count_.fetch_add(1) + 1;
  if (n < target_.load())
    return;
  // The waiter checks the count under the lock before it sleeps: taking it
  // here means the notification cannot fall between its check and its
  // sleep.
  std::lock_guard<std::mutex> guard{mutex_};
  reached_.notify_all();
}

std::uint64_t completion_counter::wait_for(std::uint64_t target,
                                           std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  target_.store(target);
  reached_.wait_for(lock, timeout, [&] { return value() >= target; });
  return value();
}

} // namespace bench
