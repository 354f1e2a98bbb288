#pragma once

// The jobrtd that --workload http measures, as a child process: a real
// daemon, its HTTP stack, runtime and SQLite store in a process of their
// own, as a service would run it. It listens on 127.0.0.1 and a port of the
// system's choice (--listen 127.0.0.1:0: the daemon prints the port), and
// its stdout and stderr go to a log file, shown when it fails.

#include "jobrt/messages/result.hpp"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace bench {

/// The jobrtd built beside this executable (both land in build/bin, and
/// are installed side by side).
std::string jobrtd_beside_this_program();

class daemon_process {
public:
  /// Starts `binary --config config --db db --listen 127.0.0.1:0` and
  /// waits (up to 30 s) until it says where it listens. The error says why
  /// not and holds the end of its log.
  static jobrt::result<std::unique_ptr<daemon_process>, std::string>
  start(const std::string& binary, const std::string& config,
        const std::string& db, const std::string& log);

  /// SIGKILL if it still runs.
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  /// SIGTERM, then waits for its drained exit (SIGKILL after 30 s); empty
  /// when it exited 0, else what happened and the end of its log.
  std::string stop();

private:
  daemon_process(pid_t pid, std::string log) : pid_(pid), log_(std::move(log)) {}

  /// Its exit status once it has ended, waiting up to `seconds`.
  bool reaped_within(double seconds, int& status);

  pid_t pid_;
  std::string log_;
  std::uint16_t port_ = 0;
  bool reaped_ = false;
};

} // namespace bench
