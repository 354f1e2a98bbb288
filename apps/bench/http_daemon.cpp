#include "http_daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

extern char** environ;

namespace bench {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view listening = "jobrtd: listening on 127.0.0.1:";
/// A start on a store of a million jobs, or a drain, on a loaded machine.
constexpr auto patience = 30s;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The last lines of the log: why a daemon would not start or stop.
std::string log_tail(const std::string& path) {
  constexpr std::size_t keep = 2000;
  auto text = read_file(path);
  if (text.size() > keep)
    text = "..." + text.substr(text.size() - keep);
  return "; its log (" + path + "):\n" + text;
}

std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

/// The child starts with SIGINT and SIGTERM unblocked at their defaults:
/// this process blocks them in every thread (cli/shutdown_signal.hpp), and
/// jobrtd takes them its own way.
pid_t spawn(std::vector<std::string> args, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
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
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

} // namespace

std::string jobrtd_beside_this_program() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return "jobrtd";
  return (self.parent_path() / "jobrtd").string();
}

jobrt::result<std::unique_ptr<daemon_process>, std::string>
daemon_process::start(const std::string& binary, const std::string& config,
                      const std::string& db, const std::string& log) {
  auto pid = spawn({binary, "--config", config, "--db", db, "--listen",
                    "127.0.0.1:0"},
                   log);
  if (pid < 0)
    return "cannot start " + binary + " (build the jobrtd target, or give "
           "--jobrtd PATH)";
  std::unique_ptr<daemon_process> d(new daemon_process(pid, log));
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    auto out = read_file(log);
    if (auto at = out.find(listening); at != std::string::npos) {
      auto end = out.find('\n', at);
      if (end != std::string::npos) {
        d->port_ = static_cast<std::uint16_t>(
            std::stoi(out.substr(at + listening.size(), end - at)));
        return d;
      }
    }
    int status = 0;
    if (d->reaped_within(0, status))
      return binary + " ended before it listened (" + describe_status(status) +
             ")" + log_tail(log);
    std::this_thread::sleep_for(10ms);
  }
  return binary + " did not listen within 30 s" + log_tail(log);
}

daemon_process::~daemon_process() {
  if (reaped_)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

bool daemon_process::reaped_within(double seconds, int& status) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(seconds);
  while (true) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::string daemon_process::stop() {
  if (reaped_)
    return "jobrtd had already ended";
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!reaped_within(std::chrono::duration<double>(patience).count(), status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return "jobrtd did not stop within 30 s of SIGTERM" + log_tail(log_);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return {};
  return "jobrtd ended with " + describe_status(status) + log_tail(log_);
}

} // namespace bench
