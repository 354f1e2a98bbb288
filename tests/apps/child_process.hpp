#pragma once

// One of the apps run as a real child process, for tests that signal it,
// watch its output and check how it exits. Its stdout and stderr go, in
// order, into one file. It starts with SIGINT and SIGTERM at their default
// dispositions and unblocked, whatever the test runner left them at (a
// shell ignores SIGINT for background jobs). A child still running when
// the object goes away is killed with SIGKILL and reaped. One thread.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace jobrt::test {

class child_process {
public:
  using clock_type = std::chrono::steady_clock;

  /// Starts `args[0]` (a path) with `args`; `output` is created or truncated.
  child_process(std::vector<std::string> args, std::string output)
    : output_(std::move(output)) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t signals;
    sigemptyset(&signals);
    posix_spawnattr_setsigmask(&attr, &signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &signals);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
      throw std::runtime_error("cannot start " + args[0]);
  }

  ~child_process() {
    if (pid_ > 0 && running()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  void send(int signo) const { ::kill(pid_, signo); }
  pid_t pid() const noexcept { return pid_; }

  /// Its wait status once it has exited, or nullopt at `deadline`.
  std::optional<int> wait_until(clock_type::time_point deadline) {
    while (running()) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        break;
      }
      if (clock_type::now() >= deadline)
        return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
  }

  /// Everything it has written so far.
  std::string output() const {
    std::ifstream in(output_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  /// Waits until its output contains `text`; false if it exits or
  /// `deadline` passes first.
  bool wait_for_output(const std::string& text, clock_type::time_point deadline) {
    for (;;) {
      if (output().find(text) != std::string::npos)
        return true;
      if (wait_until(clock_type::now()) || clock_type::now() >= deadline)
        return output().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

private:
  bool running() const { return !status_.has_value(); }

  std::string output_;
  pid_t pid_ = 0;
  std::optional<int> status_;
};

/// "exit 143" or "killed by signal 9", for failure messages.
inline std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

} // namespace jobrt::test
