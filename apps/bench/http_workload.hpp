#pragma once

// --workload http: the daemon's HTTP API under load, against references
// measured in the same run (the targets):
//
//   enqueue, one job per POST /jobs     >= 0.5 x GET /healthz's rate on the
//                                          same server and connections
//   enqueue, arrays of 100 per request  >= 0.8 x W1's rate on SQLite, jobs/s
//   GET /jobs?state=dead&limit=50       p99 <= 50 ms, 1,000,000 jobs stored
//
// A real jobrtd process (http_daemon.hpp) on a SQLite file and config of
// the run's own, driven over C keep-alive connections (http_load.hpp).
// Its one job type, `bench`, has a concurrency of 1, and its first job (the
// plug) holds that slot for the whole run (an exec of a shell that waits
// for jobrtd to end): every job after it is enqueued and stays pending, as
// W5's backlog is. The figure is the enqueue path alone (decode, runtime
// enqueue, the durable insert); a handler that ran the jobs would share
// the two cores with it and measure the handler too.
//
// W1 runs on its own SQLite file (PATH.w1) between the enqueue and the
// list runs, with its own table and JSON line. The list run starts a new
// daemon on a store of --stored-jobs jobs (http_list_store.hpp) and pages
// through its dead letters on one connection (the target: a page's own
// latency), then on C at once (the same pages, queued behind each other:
// the store's reader answers one read at a time). Prints a table and one
// JSON line; the files are removed at the end (the daemon's log is kept
// when something failed).

#include "options.hpp"
#include "workload.hpp"

#include "cli/shutdown_signal.hpp"

namespace bench {

/// Requests of GET /healthz and of one-job enqueues, and jobs enqueued in
/// arrays, without --jobs.
inline constexpr std::size_t http_default_jobs = 20'000;

workload_outcome run_http(const options& opts,
                          const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
