#include "cli/shutdown_signal.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace jobrt::cli {

namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

int exit_code_of(int signo) { return signo == 0 ? 0 : 128 + signo; }

std::string_view name_of(int signo) {
  switch (signo) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return {};
  }
}

} // namespace

shutdown_signal::shutdown_signal() {
  auto set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  waiter_ = std::thread([this] { take_signals(); });
}

shutdown_signal::~shutdown_signal() {
  // The waiter takes this thread-directed SIGTERM, sees stopping_ and quits.
  stopping_.store(true);
  pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

void shutdown_signal::take_signals() {
  auto set = shutdown_signals();
  for (;;) {
    int signo = 0;
    if (sigwait(&set, &signo) != 0)
      continue;
    if (stopping_.load())
      return;
    int first = 0;
    {
      std::lock_guard lock{mutex_};
      if (signal_.compare_exchange_strong(first, signo)) {
        arrived_.notify_all();
        continue;
      }
    }
    std::fprintf(stderr, "%s: %s again, exiting at once\n",
                 program_invocation_short_name, name_of(signo).data());
    std::_Exit(exit_code_of(first));
  }
}

bool shutdown_signal::requested() const noexcept { return signal_.load() != 0; }

bool shutdown_signal::wait_for(std::chrono::milliseconds timeout) const {
  std::unique_lock lock{mutex_};
  return arrived_.wait_for(lock, timeout, [this] { return requested(); });
}

int shutdown_signal::signal_number() const noexcept { return signal_.load(); }

std::string_view shutdown_signal::signal_name() const noexcept {
  return name_of(signal_.load());
}

int shutdown_signal::exit_code() const noexcept {
  return exit_code_of(signal_.load());
}

} // namespace jobrt::cli
