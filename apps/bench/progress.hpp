#pragma once

// A one-line progress bar for long runs. It draws only when enabled (the
// caller passes options::progress, true when stdout is a terminal), so
// redirected output and CI logs stay clean. Used from one thread.

#include <chrono>
#include <cstddef>
#include <string>

namespace bench {

class progress_bar {
public:
  progress_bar(bool enabled, std::string label, std::size_t total);
  /// Clears the line if anything was drawn.
  ~progress_bar();

  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  /// Redraws at most ten times a second.
  void update(std::size_t done);

private:
  bool enabled_;
  bool drawn_ = false;
  std::string label_;
  std::size_t total_;
  std::chrono::steady_clock::time_point last_draw_{};
};

} // namespace bench
