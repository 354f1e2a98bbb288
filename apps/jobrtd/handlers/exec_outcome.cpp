#include "exec_outcome.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace jobrtd {

namespace {

std::string with_tail(std::string message, const std::string& tail) {
  if (!tail.empty())
    message += ": " + tail;
  return message;
}

} // namespace

jobrt::job_result classify_exec(const exec_run& run,
                                const std::vector<int>& permanent_exit_codes) {
  if (run.stopped)
    return jobrt::job_error{jobrt::error_kind::timeout, "stopped",
                            with_tail("stopped by jobrtd", run.error_tail),
                            std::nullopt};
  if (WIFSIGNALED(run.wait_status)) {
    auto signal = WTERMSIG(run.wait_status);
    return jobrt::job_error::transient(
        "signal_" + std::to_string(signal),
        with_tail("killed by signal " + std::to_string(signal), run.error_tail));
  }
  auto code = WIFEXITED(run.wait_status) ? WEXITSTATUS(run.wait_status) : -1;
  if (code == 0)
    return jobrt::job_output{run.output};
  auto name = "exit_" + std::to_string(code);
  auto message = with_tail("exited with " + std::to_string(code), run.error_tail);
  if (std::find(permanent_exit_codes.begin(), permanent_exit_codes.end(), code) !=
      permanent_exit_codes.end())
    return jobrt::job_error::permanent(name, message);
  return jobrt::job_error::transient(name, message);
}

jobrt::job_error spawn_failure(int error_number, const std::string& program) {
  auto message = "cannot run " + program + ": " + std::strerror(error_number);
  if (error_number == ENOENT || error_number == EACCES || error_number == ENOEXEC)
    return jobrt::job_error::permanent("spawn_failed", message);
  return jobrt::job_error::transient("spawn_failed", message);
}

} // namespace jobrtd
