#include "jobrt/actors/commit_queue.hpp"

#include <algorithm>

namespace jobrt {

commit_queue::verdict commit_queue::on_answer(std::uint64_t seq,
                                              std::uint64_t epoch,
                                              bool failed) noexcept {
  if (epoch < epoch_)
    return verdict::stale;
  if (failed) {
    ++epoch_;
    settled_ = sealed_;
    degraded_ = true;
    return verdict::failed;
  }
  settled_ = std::max(settled_, seq);
  if (degraded_ && settled_ == sealed_) {
    degraded_ = false;
    retry_delay_ = duration{0};
  }
  return verdict::durable;
}

duration commit_queue::next_retry_delay() noexcept {
  using namespace std::chrono_literals;
  retry_delay_ = std::clamp<duration>(retry_delay_ * 2, 50ms, 5000ms);
  return retry_delay_;
}

} // namespace jobrt
