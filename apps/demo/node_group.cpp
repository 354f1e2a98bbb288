#include "node_group.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace jobrt::demo {

namespace {

/// One child: its pipe, the partial line read from it, and its answer.
struct child {
  std::size_t index = 0;
  pid_t pid = -1;
  int output = -1; ///< the read end of its stdout and stderr; -1 at EOF
  std::string partial;
  std::optional<nlohmann::json> report; ///< its last JSON line
  int exit_code = -1;
};

/// Starts `args` as node `index`, its stdout and stderr into a new pipe.
std::optional<child> spawn_node(std::size_t index,
                                std::vector<std::string> args) {
  args.push_back("--node-index");
  args.push_back(std::to_string(index));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The parent blocks SIGINT and SIGTERM (shutdown_signal); the child
  // starts with them as a fresh process has them, in a group of its own.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults = none;
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  child c;
  c.index = index;
  int rc = posix_spawn(&c.pid, "/proc/self/exe", &actions, &attr, argv.data(),
                       environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return std::nullopt;
  }
  c.output = fds[0];
  return c;
}

/// Prints one line of node `c` and keeps it if it is its JSON report.
void take_line(child& c, std::string_view line) {
  std::printf("[node %zu] %.*s\n", c.index, static_cast<int>(line.size()),
              line.data());
  if (line.substr(0, 2) != "{\"")
    return;
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (!doc.is_discarded() && doc.is_object())
    c.report = std::move(doc);
}

/// Reads what `c` wrote; false at its EOF (the pipe is then closed).
bool read_some(child& c) {
  char buffer[4096];
  auto n = ::read(c.output, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n > 0) {
    c.partial.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto end = c.partial.find('\n'); end != std::string::npos;
         end = c.partial.find('\n', start)) {
      take_line(c, std::string_view(c.partial).substr(start, end - start));
      start = end + 1;
    }
    c.partial.erase(0, start);
    return true;
  }
  if (!c.partial.empty())
    take_line(c, c.partial);
  c.partial.clear();
  ::close(c.output);
  c.output = -1;
  return false;
}

/// Relays every child's output until all have closed it, passing a
/// shutdown signal on to them once.
void relay(std::vector<child>& children,
           const cli::shutdown_signal& interrupt) {
  bool passed_on = false;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<child*> open;
    for (auto& c : children)
      if (c.output >= 0) {
        fds.push_back(pollfd{c.output, POLLIN, 0});
        open.push_back(&c);
      }
    if (fds.empty())
      return;
    std::fflush(stdout);
    int ready = ::poll(fds.data(), fds.size(), 100);
    if (interrupt.requested() && !std::exchange(passed_on, true))
      for (auto& c : children)
        ::kill(c.pid, interrupt.signal_number());
    if (ready <= 0)
      continue;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (fds[i].revents != 0)
        read_some(*open[i]);
  }
}

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

std::uint64_t count(const child& c, const char* field) {
  if (!c.report || !c.report->contains(field) ||
      !(*c.report)[field].is_number_unsigned())
    return 0;
  return (*c.report)[field].get<std::uint64_t>();
}

std::string text(const child& c, const char* field) {
  if (!c.report || !c.report->contains(field) ||
      !(*c.report)[field].is_string())
    return "?";
  return (*c.report)[field].get<std::string>();
}

/// The table of who ran what, the checks across nodes, and the JSON line.
/// Returns whether everything held.
bool report_group(const std::vector<child>& children, const std::string& label) {
  std::printf("\nNodes: %zu demo processes on the %s store\n", children.size(),
              label.c_str());
  std::printf("  %-4s  %-40s  %8s  %9s  %4s\n", "node", "owner", "attempts",
              "succeeded", "exit");
  std::vector<std::string> problems;
  std::uint64_t attempts = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t completed = 0;
  auto per_node = nlohmann::json::array();
  for (const auto& c : children) {
    std::printf("  %-4zu  %-40s  %8llu  %9llu  %4d\n", c.index,
                text(c, "node").c_str(),
                static_cast<unsigned long long>(count(c, "attempts")),
                static_cast<unsigned long long>(count(c, "succeeded")),
                c.exit_code);
    attempts += count(c, "attempts");
    succeeded += count(c, "succeeded");
    // The database's count, as each child saw it at its end; the last
    // to finish saw them all.
    completed = std::max(completed, count(c, "completed"));
    if (c.exit_code != 0 || !c.report || !c.report->value("ok", false))
      problems.push_back("node " + std::to_string(c.index) + " exited with " +
                         std::to_string(c.exit_code) +
                         (c.report ? "" : " and no report"));
    per_node.push_back({{"index", c.index},
                        {"node", text(c, "node")},
                        {"pid", c.pid},
                        {"attempts", count(c, "attempts")},
                        {"succeeded", count(c, "succeeded")},
                        {"exit", c.exit_code}});
  }
  // Each completion is one node's success: more would be a job completed
  // twice, fewer a completion no node counted.
  if (succeeded != completed)
    problems.push_back("the nodes counted " + std::to_string(succeeded) +
                       " successes for " + std::to_string(completed) +
                       " completed jobs");
  std::printf("Total: %llu attempts; %llu successes for %llu completed jobs\n",
              static_cast<unsigned long long>(attempts),
              static_cast<unsigned long long>(succeeded),
              static_cast<unsigned long long>(completed));
  if (problems.empty())
    std::printf("Across nodes: held (every completed order completed once)\n");
  else
    std::printf("Across nodes: NOT held\n");
  for (const auto& p : problems)
    std::printf("  - %s\n", p.c_str());
  std::printf("%s\n", nlohmann::json{{"nodes", children.size()},
                                     {"per_node", std::move(per_node)},
                                     {"attempts", attempts},
                                     {"succeeded", succeeded},
                                     {"completed", completed},
                                     {"ok", problems.empty()}}
                          .dump()
                          .c_str());
  std::fflush(stdout);
  return problems.empty();
}

} // namespace

int run_node_group(std::size_t count, const std::vector<std::string>& args,
                   const std::string& label,
                   const cli::shutdown_signal& interrupt) {
  std::vector<child> children;
  for (std::size_t i = 0; i < count; ++i) {
    auto started = spawn_node(i, args);
    if (!started) {
      std::fprintf(stderr, "jobrt-demo: cannot start node %zu\n", i);
      for (auto& c : children)
        ::kill(c.pid, SIGTERM);
      relay(children, interrupt);
      for (auto& c : children)
        ::waitpid(c.pid, nullptr, 0);
      return 2;
    }
    children.push_back(std::move(*started));
  }
  std::printf("Started %zu demo processes on the %s store.\n", count,
              label.c_str());
  relay(children, interrupt);
  for (auto& c : children) {
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    c.exit_code = exit_code_of(status);
  }
  bool ok = report_group(children, label);
  if (interrupt.requested())
    return interrupt.exit_code();
  return ok ? 0 : 1;
}

} // namespace jobrt::demo
