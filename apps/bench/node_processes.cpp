#include "node_processes.hpp"

#include <cerrno>
#include <csignal>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bench {

namespace {

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

std::optional<node_process>
node_process::spawn(const std::vector<std::string>& args) {
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return std::nullopt;
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
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
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  node_process p;
  int rc = posix_spawn(&p.pid_, "/proc/self/exe", &actions, &attr, argv.data(),
                       environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    return std::nullopt;
  }
  p.input_ = in[1];
  p.output_ = out[0];
  return p;
}

node_process::node_process(node_process&& other) noexcept
  : pid_(std::exchange(other.pid_, -1)),
    input_(std::exchange(other.input_, -1)),
    output_(std::exchange(other.output_, -1)),
    partial_(std::move(other.partial_)), exit_code_(other.exit_code_) {}

node_process::~node_process() {
  close_fd(input_);
  close_fd(output_);
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    (void) wait();
  }
}

void node_process::read(const std::function<void(std::string_view)>& on_line) {
  if (output_ < 0)
    return;
  char buffer[4096];
  auto n = ::read(output_, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n > 0) {
    partial_.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto end = partial_.find('\n'); end != std::string::npos;
         end = partial_.find('\n', start)) {
      on_line(std::string_view(partial_).substr(start, end - start));
      start = end + 1;
    }
    partial_.erase(0, start);
    return;
  }
  if (!partial_.empty())
    on_line(partial_);
  partial_.clear();
  close_fd(output_);
}

bool node_process::say(std::string_view line) {
  if (input_ < 0)
    return false;
  std::string text(line);
  text += '\n';
  std::size_t sent = 0;
  while (sent < text.size()) {
    auto n = ::write(input_, text.data() + sent, text.size() - sent);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false; // EPIPE: the group ignores SIGPIPE (node_group.cpp)
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

void node_process::close_input() { close_fd(input_); }

void node_process::signal(int number) const {
  if (pid_ > 0 && !exit_code_)
    ::kill(pid_, number);
}

int node_process::wait() {
  if (exit_code_ || pid_ <= 0)
    return exit_code_.value_or(-1);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = exit_code_of(status);
  return *exit_code_;
}

std::size_t pump(std::vector<node_process>& children, int timeout_ms,
                 const std::function<void(std::size_t, std::string_view)>& on_line) {
  std::vector<pollfd> fds;
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < children.size(); ++i)
    if (children[i].open()) {
      fds.push_back(pollfd{children[i].output(), POLLIN, 0});
      which.push_back(i);
    }
  if (fds.empty())
    return 0;
  if (::poll(fds.data(), fds.size(), timeout_ms) > 0)
    for (std::size_t k = 0; k < fds.size(); ++k)
      if (fds[k].revents != 0)
        children[which[k]].read(
            [&](std::string_view line) { on_line(which[k], line); });
  std::size_t open = 0;
  for (const auto& c : children)
    open += c.open() ? 1 : 0;
  return open;
}

} // namespace bench
