#pragma once

// Waiting on a real signal with a bound, for tests that watch another
// thread or process (never a sleep standing in for the signal).

#include <chrono>
#include <thread>

namespace jobrt::test {

/// Waits up to `bound` for `done()`, checking every few milliseconds;
/// whether it came true.
template <class F>
bool eventually(F&& done,
                std::chrono::milliseconds bound = std::chrono::seconds(30)) {
  auto until = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

} // namespace jobrt::test
