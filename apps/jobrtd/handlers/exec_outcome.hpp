#pragma once

// What the exec handler's run of a program means for the attempt. Pure,
// so every exit is tested without running anything:
//   exit 0                        → success, stdout (up to the limit) as output
//   exit N in permanent_exit_codes → permanent failure, code "exit_N"
//   any other exit N              → transient failure, code "exit_N"
//   killed by signal S            → transient failure, code "signal_S"
//   stopped by jobrtd (the attempt timed out, was cancelled, or the daemon
//   stops)                        → timeout failure, code "stopped"
// The message carries the tail of stderr, where programs say why.

#include "jobrt/messages/job.hpp"

#include <string>
#include <vector>

namespace jobrtd {

struct exec_run {
  int wait_status = 0; ///< as waitpid reports it
  /// jobrtd sent SIGTERM (and maybe SIGKILL) because a stop was requested.
  bool stopped = false;
  std::string output;     ///< stdout, cut at the limit
  std::string error_tail; ///< the last bytes of stderr
};

jobrt::job_result classify_exec(const exec_run& run,
                                const std::vector<int>& permanent_exit_codes);

/// Why a program could not be started: permanent when it does not exist or
/// may not be run (ENOENT, EACCES, ENOEXEC), transient otherwise (EAGAIN,
/// ENOMEM, ...).
jobrt::job_error spawn_failure(int error_number, const std::string& program);

} // namespace jobrtd
