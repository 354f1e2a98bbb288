#pragma once

// A graceful shutdown on SIGINT and SIGTERM for jobrt's long-running apps.
//
// Construct one shutdown_signal at the top of main, BEFORE any other thread
// exists (the runtime's CAF scheduler and worker pool, an app's own timer
// threads): it blocks SIGINT and SIGTERM in the calling thread, so every
// thread created afterwards inherits the mask and none of them is ever
// interrupted, and starts one thread of its own that takes both signals
// with sigwait. No signal handler runs, so nothing has to be
// async-signal-safe: the app polls requested() or waits with wait_for(),
// stops feeding work, calls runtime::shutdown(grace) and returns
// exit_code() from main.
//
// The first signal asks for the shutdown; a second one ends the process at
// once (std::_Exit(exit_code()), no flushing), for an operator who will not
// wait out the grace period.
//
// Exit codes follow the shell's convention for death by a signal,
// 128 + signal number: 130 for SIGINT, 143 for SIGTERM. A script or service
// manager thus tells an interrupted run from a failed (1) or a good (0) one.
//
// One instance per process. Any thread may call the const members. The
// signals stay blocked in the constructing thread after destruction: one
// that arrives late stays pending instead of killing the process on its
// way out.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

namespace jobrt::cli {

class shutdown_signal {
public:
  shutdown_signal();
  /// Stops and joins the waiting thread.
  ~shutdown_signal();

  shutdown_signal(const shutdown_signal&) = delete;
  shutdown_signal& operator=(const shutdown_signal&) = delete;

  /// True once SIGINT or SIGTERM has arrived.
  bool requested() const noexcept;
  /// Waits up to `timeout` for a signal; true once one has arrived (at once
  /// if it came earlier). For loops that would otherwise sleep.
  bool wait_for(std::chrono::milliseconds timeout) const;
  /// SIGINT or SIGTERM, whichever came first; 0 before.
  int signal_number() const noexcept;
  /// "SIGINT" or "SIGTERM"; empty before.
  std::string_view signal_name() const noexcept;
  /// 130 after SIGINT, 143 after SIGTERM; 0 before.
  int exit_code() const noexcept;

private:
  void take_signals();

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::atomic<int> signal_{0};
  std::atomic<bool> stopping_{false};
  std::thread waiter_;
};

} // namespace jobrt::cli
