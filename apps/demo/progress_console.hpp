#pragma once

// The demo's stdout: a status line that is rewritten in place on a terminal
// (and printed as ordinary lines otherwise, e.g. in CI logs), plus notes
// that stay above it. Thread-safe: the main thread writes the status, the
// event subscription's thread writes notes.

#include <mutex>
#include <string>

namespace jobrt::demo {

class progress_console {
public:
  /// Probes whether stdout is a terminal.
  progress_console();

  bool terminal() const noexcept { return terminal_; }

  /// Replaces the status line (a terminal) or prints it (anything else).
  void status(const std::string& line);
  /// Prints a line of its own; on a terminal the status line moves below it.
  void note(const std::string& line);
  /// Leaves the status line as it is and moves to a fresh line.
  void end_status();

private:
  void clear_status_locked();

  std::mutex mutex_;
  bool terminal_;
  std::string status_; ///< what the terminal shows on its last line
};

} // namespace jobrt::demo
