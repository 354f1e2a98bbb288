#pragma once

// The child processes of jobrt-bench --nodes N (node_group.hpp): this very
// program started again (/proc/self/exe) with a hidden option that makes it
// one node. Each child's stdin and stdout are pipes to the parent, which
// talks to it in lines (node_child.hpp); its stderr is the parent's, so a
// node's warnings reach the terminal as they come.
//
// A child runs in a process group of its own, so a terminal's Ctrl-C
// reaches only the parent, which passes it on. A child ends when its stdin
// does, so one left behind by a parent that died stops by itself.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace bench {

class node_process {
public:
  /// Starts /proc/self/exe with `args` (argv[0] first).
  static std::optional<node_process> spawn(const std::vector<std::string>& args);

  node_process(node_process&& other) noexcept;
  node_process& operator=(node_process&&) = delete;
  /// A child still running is killed (SIGKILL) and reaped.
  ~node_process();

  pid_t pid() const noexcept { return pid_; }
  /// Whether its stdout is still open.
  bool open() const noexcept { return output_ >= 0; }
  int output() const noexcept { return output_; }

  /// Reads what it wrote and hands on each complete line; at its EOF the
  /// last partial line too, and open() turns false.
  void read(const std::function<void(std::string_view)>& on_line);
  /// Writes `line` and a newline to its stdin; false if it is gone.
  bool say(std::string_view line);
  /// Ends its stdin: the child's signal to finish.
  void close_input();
  void signal(int number) const;
  /// Waits for it to end; its exit status (128 + signal when killed).
  int wait();

private:
  node_process() = default;

  pid_t pid_ = -1;
  int input_ = -1;
  int output_ = -1;
  std::string partial_;
  std::optional<int> exit_code_;
};

/// Waits up to `timeout_ms` for output of any open child and hands on its
/// lines with the child's index. Returns how many children are still open.
std::size_t pump(std::vector<node_process>& children, int timeout_ms,
                 const std::function<void(std::size_t, std::string_view)>& on_line);

} // namespace bench
