#pragma once

// The `exec` handler: runs a program per attempt, payload on stdin, the
// job's id, attempt, type and queue in its environment (JOBRT_JOB_ID,
// JOBRT_ATTEMPT, JOBRT_JOB_TYPE, JOBRT_QUEUE), stdout up to a limit as the
// output; exec_outcome.hpp says what each exit means. The program runs in
// a process group of its own; when the attempt is asked to stop (timeout,
// cancel, shutdown) the group gets SIGTERM, and SIGKILL after kill_grace.
// The program starts with no signal blocked or ignored, whatever jobrtd's
// threads block.

#include "exec_outcome.hpp"
#include "handler_config.hpp"

#include "jobrt/messages/job_context.hpp"

namespace jobrtd {

/// Runs the program once for the attempt `ctx`, on the calling thread.
jobrt::result<exec_run, jobrt::job_error> run_program(const exec_config& config,
                                                      const jobrt::job_context& ctx);

jobrt::job_handler make_exec_handler(exec_config config);

} // namespace jobrtd
