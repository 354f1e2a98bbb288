#include "progress_console.hpp"

#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

namespace jobrt::demo {

namespace {

/// Carriage return, then erase to the end of the line (ANSI).
constexpr const char* rewind_line = "\r\x1b[K";

/// A status line that wraps can no longer be rewritten in place: cut it to
/// the terminal's width.
std::string fit_to_terminal(const std::string& line) {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 ||
      line.size() < size.ws_col)
    return line;
  return line.substr(0, size.ws_col - 1u);
}

} // namespace

progress_console::progress_console() : terminal_(isatty(STDOUT_FILENO) == 1) {}

void progress_console::status(const std::string& line) {
  std::lock_guard guard{mutex_};
  if (!terminal_) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    return;
  }
  status_ = fit_to_terminal(line);
  std::printf("%s%s", rewind_line, status_.c_str());
  std::fflush(stdout);
}

void progress_console::note(const std::string& line) {
  std::lock_guard guard{mutex_};
  clear_status_locked();
  std::printf("%s\n", line.c_str());
  if (!status_.empty())
    std::printf("%s", status_.c_str());
  std::fflush(stdout);
}

void progress_console::end_status() {
  std::lock_guard guard{mutex_};
  if (terminal_ && !status_.empty())
    std::printf("\n");
  status_.clear();
  std::fflush(stdout);
}

void progress_console::clear_status_locked() {
  if (terminal_ && !status_.empty())
    std::printf("%s", rewind_line);
}

} // namespace jobrt::demo
