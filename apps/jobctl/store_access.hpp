#pragma once

// How jobctl opens the store --db names (persistence/store_location.hpp): a
// SQLite file, or a PostgreSQL database (a postgresql:// or postgres://
// URI) in the schema --schema names. Every command goes through here, so
// the commands themselves know only job_store and job_reader.
//
// SQLite: see commands.hpp (a read-only reader; for a change, the file's
// owner when no runtime holds it, else beside that runtime).
// PostgreSQL: a reader on a connection of its own; for a change, a store
// opened as a tool (postgres_options::role_type::tool), which makes fenced
// writes, removals, purges and posts commands, and is never counted as a
// node. Nodes may run at any time, and nothing like SQLite's owner lock
// tells whether one does: jobctl always assumes they might. Neither form
// creates a store: a mistyped path, database or schema is refused.

#include "commands.hpp"

#include "jobrt/persistence/job_store.hpp"

#include <memory>

namespace jobrt {
class postgres_reader;
}

namespace jobctl {

command_error store_failure(const jobrt::store_error& e);

jobrt::result<std::unique_ptr<jobrt::job_reader>, command_error>
open_for_reading(const global_options& g);

/// The PostgreSQL reader, which also lists nodes; refused (exit 2) on a
/// SQLite file, which has no nodes.
jobrt::result<std::unique_ptr<jobrt::postgres_reader>, command_error>
open_postgres_reader(const global_options& g);

/// The store, opened for a change.
struct changing_store {
  std::unique_ptr<jobrt::job_store> store;
  /// A runtime may run on the store and hold its processing jobs: a SQLite
  /// file's owner holds its lock; on PostgreSQL, always. Only that runtime
  /// can stop an attempt it runs.
  bool runtime_may_run = false;
};

jobrt::result<changing_store, command_error>
open_for_changing(const global_options& g);

} // namespace jobctl
