#pragma once

// The order and fate of a supervisor's commits (DESIGN.md: "the store
// makes each transition durable before its effect is visible"). Pure and
// CAF-free: it numbers sealed turns, tells which answers from the store
// count, and keeps the degraded mode's backoff.
//
// Turns are sealed in order, each with a sequence number; the store answers
// (for a group of turns) with the highest number it wrote. After a failed
// transaction every turn sealed so far is lost as a whole: a store actor
// refuses the batches that were already on their way (they were decided on
// the lost writes), and the supervisor writes again from what it holds.
// Epochs keep the two apart: each failure starts a new epoch, batches carry
// the epoch they were sealed in, and answers for an older epoch are
// ignored, since the failure that ended it already accounted for them.

#include "jobrt/messages/time.hpp"

#include <cstdint>

namespace jobrt {

class commit_queue {
public:
  enum class verdict : std::uint8_t {
    durable, ///< every turn up to the answer's number is durable
    failed,  ///< every turn sealed so far is lost; the queue is degraded
    stale,   ///< an answer for an epoch that already failed: ignore it
  };

  /// Numbers the next sealed turn that writes.
  std::uint64_t seal() noexcept { return ++sealed_; }
  std::uint64_t sealed() const noexcept { return sealed_; }
  /// The highest number that is durable or lost.
  std::uint64_t settled() const noexcept { return settled_; }
  std::uint64_t epoch() const noexcept { return epoch_; }
  bool degraded() const noexcept { return degraded_; }

  /// The store answered for turns up to `seq`, sealed in `epoch`.
  verdict on_answer(std::uint64_t seq, std::uint64_t epoch, bool failed) noexcept;

  /// The failure lost nothing that must be written again (only new jobs,
  /// refused to their callers): no need to stay degraded.
  void forgive() noexcept {
    degraded_ = false;
    retry_delay_ = duration{0};
  }

  /// How long to wait before writing again while degraded: 50 ms,
  /// doubling to 5 s.
  duration next_retry_delay() noexcept;

private:
  std::uint64_t sealed_ = 0;
  std::uint64_t settled_ = 0;
  std::uint64_t epoch_ = 0;
  bool degraded_ = false;
  duration retry_delay_{0};
};

} // namespace jobrt
