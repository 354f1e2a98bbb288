#include "exec_handler.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace jobrtd {

namespace {

using clock_type = std::chrono::steady_clock;

/// stderr kept for the failure message: its end, where the reason usually is.
constexpr std::size_t error_tail_bytes = 2048;
/// How often the loop looks at the stop flag while the program is quiet.
constexpr int poll_interval_ms = 20;
/// After the program exits, how long its pipes may stay open (a child of
/// its own holding them) before the rest of its output is given up.
constexpr auto drain_after_exit = std::chrono::milliseconds(200);

class descriptor {
public:
  descriptor() = default;
  explicit descriptor(int fd) : fd_(fd) {}
  descriptor(descriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  descriptor& operator=(descriptor&& other) noexcept {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  ~descriptor() { reset(); }
  int get() const noexcept { return fd_; }
  bool open() const noexcept { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_ = -1;
};

struct pipe_ends {
  descriptor read, write;
};

bool make_pipe(pipe_ends& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return false;
  p.read = descriptor(fds[0]);
  p.write = descriptor(fds[1]);
  return true;
}

void set_nonblocking(const descriptor& d) {
  ::fcntl(d.get(), F_SETFL, ::fcntl(d.get(), F_GETFL) | O_NONBLOCK);
}

bool is_set_by_us(std::string_view entry, const exec_config& c) {
  auto name = entry.substr(0, entry.find('='));
  if (name.starts_with("JOBRT_"))
    return true;
  return std::any_of(c.environment.begin(), c.environment.end(),
                     [&](const auto& kv) { return kv.first == name; });
}

std::vector<std::string> environment_for(const exec_config& c,
                                         const jobrt::job_context& ctx) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (!is_set_by_us(*e, c))
      env.emplace_back(*e);
  for (const auto& [name, value] : c.environment)
    env.push_back(name + "=" + value);
  env.push_back("JOBRT_JOB_ID=" + std::to_string(ctx.id()));
  env.push_back("JOBRT_ATTEMPT=" + std::to_string(ctx.attempt()));
  env.push_back("JOBRT_JOB_TYPE=" + std::string(ctx.type()));
  env.push_back("JOBRT_QUEUE=" + ctx.job().queue);
  return env;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// posix_spawn's settings: the child's own process group, no blocked
/// signals, default dispositions for those jobrtd blocks or ignores.
class spawn_settings {
public:
  spawn_settings(const pipe_ends& in, const pipe_ends& out, const pipe_ends& err) {
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out.write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err.write.get(), STDERR_FILENO);
    posix_spawnattr_init(&attributes);
    sigset_t signals;
    sigemptyset(&signals);
    posix_spawnattr_setsigmask(&attributes, &signals);
    for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGCHLD})
      sigaddset(&signals, s);
    posix_spawnattr_setsigdefault(&attributes, &signals);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF |
                                              POSIX_SPAWN_SETPGROUP);
  }
  ~spawn_settings() {
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
  }
  spawn_settings(const spawn_settings&) = delete;
  spawn_settings& operator=(const spawn_settings&) = delete;

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
};

/// The running program and the three pipes to it.
class running_program {
public:
  running_program(const exec_config& c, std::string_view payload, pid_t pid,
                  pipe_ends& in, pipe_ends& out, pipe_ends& err)
    : config_(c), payload_(payload), pid_(pid), stdin_(std::move(in.write)),
      stdout_(std::move(out.read)), stderr_(std::move(err.read)) {
    for (auto* d : {&stdin_, &stdout_, &stderr_})
      set_nonblocking(*d);
    if (payload_.empty())
      stdin_.reset();
  }

  exec_run wait(const jobrt::job_context& ctx) {
    std::optional<clock_type::time_point> exited_at;
    while (!exited_at || (pipes_open() && clock_type::now() - *exited_at <
                                              drain_after_exit)) {
      pump();
      if (!exited_at) {
        if (::waitpid(pid_, &run_.wait_status, WNOHANG) == pid_)
          exited_at = clock_type::now();
        else
          enforce_stop(ctx);
      }
    }
    return std::move(run_);
  }

private:
  bool pipes_open() const { return stdout_.open() || stderr_.open(); }

  void pump() {
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    auto watch = [&](const descriptor& d, short events) {
      if (d.open())
        fds[n++] = pollfd{d.get(), events, 0};
    };
    watch(stdin_, POLLOUT);
    watch(stdout_, POLLIN);
    watch(stderr_, POLLIN);
    if (n == 0) {
      ::poll(nullptr, 0, poll_interval_ms);
      return;
    }
    if (::poll(fds.data(), n, poll_interval_ms) <= 0)
      return;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0)
        continue;
      if (fds[i].fd == stdin_.get())
        feed();
      else if (fds[i].fd == stdout_.get())
        drain(stdout_, false);
      else
        drain(stderr_, true);
    }
  }

  void feed() {
    auto rest = payload_.substr(written_);
    auto n = ::write(stdin_.get(), rest.data(), rest.size());
    if (n > 0)
      written_ += static_cast<std::size_t>(n);
    // A program that exits or closes stdin before reading it all is its
    // business (EPIPE: jobrtd ignores SIGPIPE).
    if ((n < 0 && errno != EAGAIN && errno != EINTR) || written_ == payload_.size())
      stdin_.reset();
  }

  void drain(descriptor& d, bool is_stderr) {
    std::array<char, 16384> buffer;
    for (;;) {
      auto n = ::read(d.get(), buffer.data(), buffer.size());
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        d.reset();
        return;
      }
      if (n < 0)
        return;
      auto chunk = std::string_view(buffer.data(), static_cast<std::size_t>(n));
      if (is_stderr)
        keep_tail(chunk);
      else
        keep_output(chunk);
    }
  }

  void keep_output(std::string_view chunk) {
    auto room = config_.output_limit - std::min(config_.output_limit,
                                                run_.output.size());
    run_.output.append(chunk.substr(0, room));
  }

  void keep_tail(std::string_view chunk) {
    run_.error_tail.append(chunk);
    if (run_.error_tail.size() > error_tail_bytes)
      run_.error_tail.erase(0, run_.error_tail.size() - error_tail_bytes);
  }

  void enforce_stop(const jobrt::job_context& ctx) {
    if (!run_.stopped && ctx.stop_requested()) {
      run_.stopped = true;
      ::kill(-pid_, SIGTERM);
      kill_at_ = clock_type::now() + config_.kill_grace;
    } else if (run_.stopped && !killed_ && clock_type::now() >= kill_at_) {
      killed_ = true;
      ::kill(-pid_, SIGKILL);
    }
  }

  const exec_config& config_;
  std::string_view payload_;
  std::size_t written_ = 0;
  pid_t pid_;
  descriptor stdin_, stdout_, stderr_;
  exec_run run_;
  clock_type::time_point kill_at_{};
  bool killed_ = false;
};

} // namespace

jobrt::result<exec_run, jobrt::job_error> run_program(const exec_config& config,
                                                      const jobrt::job_context& ctx) {
  if (ctx.stop_requested())
    return exec_run{0, true, {}, {}};
  pipe_ends in, out, err;
  if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err))
    return spawn_failure(errno, config.command.front());
  auto argv_strings = config.command;
  auto env_strings = environment_for(config, ctx);
  auto argv = pointers_to(argv_strings);
  auto env = pointers_to(env_strings);
  pid_t pid = 0;
  int rc = 0;
  {
    spawn_settings settings(in, out, err);
    rc = ::posix_spawnp(&pid, argv[0], &settings.actions, &settings.attributes,
                        argv.data(), env.data());
  }
  if (rc != 0)
    return spawn_failure(rc, config.command.front());
  in.read.reset();
  out.write.reset();
  err.write.reset();
  return running_program(config, ctx.payload(), pid, in, out, err).wait(ctx);
}

jobrt::job_handler make_exec_handler(exec_config config) {
  return [config = std::move(config)](jobrt::job_context& ctx) -> jobrt::job_result {
    auto run = run_program(config, ctx);
    if (!run)
      return run.error();
    return classify_exec(run.value(), config.permanent_exit_codes);
  };
}

} // namespace jobrtd
