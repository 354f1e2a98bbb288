#pragma once

// jobctl's commands on a jobrt store: a SQLite file, or a PostgreSQL
// database that several runtimes (nodes) share (store_access.hpp). Each
// writes its answer to `out` (a table, or one line of JSON with `json`) and
// returns a typed command_error when it cannot; main prints that with
// print_error and exits with its code.
//
// Reading commands (stats, list, show, nodes) read through a reader and
// work while runtimes run, and, on SQLite, on read-only media. Changing
// commands (cancel, requeue, purge) on SQLite open the file as its owner
// when no runtime holds it, and beside the runtime that does otherwise
// (sqlite_store::open_operator); that runtime picks their changes up within
// its poll interval (a second). On PostgreSQL they open the database as a
// tool, beside whatever nodes run. No command creates a store: a path that
// is not an existing jobrt store, or a database without the schema, is
// refused. cancel and requeue go through the job state machine
// (actors/transitions.hpp), so jobctl allows exactly what the runtime does,
// and are fenced writes: refused (exit 2, the refusal's code named), never
// overwriting, if the job is no longer what it was read as, e.g. because a
// running runtime changed it meanwhile. The one change a write cannot make
// is stopping an attempt a running runtime runs: cancel of a processing job
// then (on PostgreSQL, always) posts a cancel command, which the runtime
// that runs it takes as its own cancel (the attempt is asked to stop).

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/job_query.hpp"
#include "jobrt/messages/result.hpp"

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

namespace jobctl {

struct command_error {
  /// Also the process exit code.
  enum class code_type : int {
    usage = 1,         ///< a malformed command line (main's, from CLI11)
    refused = 2,       ///< unknown id, a transition the state forbids, ...
    store_failure = 3, ///< the file is missing, corrupt, busy, ...
  };
  code_type code = code_type::refused;
  /// What went wrong, for scripts: "not_found", "invalid_transition", a
  /// write refusal's code ("state_changed", ...), a store_error code
  /// ("io", "corrupt", "locked", ...), "usage".
  std::string reason;
  std::string message; ///< in words, for people
};

struct global_options {
  /// A SQLite file, or a postgresql:// (postgres://) URI.
  std::string db_path;
  /// PostgreSQL only: the schema that holds the queue.
  std::string schema = "jobrt";
  bool json = false;
};

struct list_options {
  std::optional<jobrt::job_state> state;
  std::optional<std::string> type;
  std::optional<std::string> queue;
  std::size_t limit = 50;
  jobrt::job_id after = 0;
};

struct purge_options {
  jobrt::job_state state = jobrt::job_state::completed;
  /// Purges jobs finished more than this long ago; 0 = all finished.
  jobrt::duration older_than{0};
};

/// Which operator change `change_job` applies.
enum class job_change { cancel, requeue };

using command_result = jobrt::result<void, command_error>;

/// With `json`, {"error":{"code":reason,"message":...}} on `out` (where
/// scripts read the answers); else "jobctl: <message>" on `err`.
void print_error(bool json, const command_error& e, std::ostream& out,
                 std::ostream& err);

command_result show_stats(const global_options& g, std::ostream& out);
command_result list_jobs(const global_options& g, const list_options& o,
                         std::ostream& out);
command_result show_job(const global_options& g, jobrt::job_id id,
                        std::ostream& out);
/// Prints the changed record, or for a cancel request posted to a running
/// runtime {"id":N,"state":"processing","cancel":"requested"} (a line of
/// text without --json).
command_result change_job(const global_options& g, jobrt::job_id id,
                          job_change change, std::ostream& out);
/// Refuses a non-terminal state before touching the store.
command_result purge_jobs(const global_options& g, const purge_options& o,
                          std::ostream& out);

/// PostgreSQL's nodes (postgres_reader::nodes), oldest start first: owner,
/// host, pid, start, the age of the last heartbeat, alive or dead, and the
/// leader. Refused (exit 2) on a SQLite file: one runtime owns it, and
/// nodes exist only on PostgreSQL.
command_result show_nodes(const global_options& g, std::ostream& out);

} // namespace jobctl
