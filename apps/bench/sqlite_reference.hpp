#pragma once

// The reference limit of the SQLite store, measured in the same run on the
// same disk: raw SQLite with nothing of jobrt around it. A fresh database in
// WAL mode gets the store's own schema (its migrations,
// persistence/sqlite_schema.cpp); each job costs the three writes the
// runtime makes for a job of W1's flood, which waits in the store for a
// slot: its INSERT as pending; its claim, a SELECT of the oldest ready rows
// through the claim's index and an UPDATE to processing (attempt 1, the
// owner set); its completion, an UPDATE fenced on state, attempt and owner.
// Each write is in a later transaction than the one before, as the job
// waits and runs between them; each transaction completes 1,000 jobs,
// claims 1,000 and enqueues 1,000. A store built on SQLite that makes the
// same writes durable cannot be expected to beat it. (A job enqueued while
// a slot is free costs the runtime two writes, inserted as processing:
// W1's first jobs and its latency run, not its flood.)
//
// The database at `db_path` (with its -wal and -shm files) is deleted before
// and after the run; the caller must not keep anything there. Runs on the
// calling thread.

#include "jobrt/messages/result.hpp"

#include <cstddef>
#include <string>

namespace bench {

struct sqlite_reference_result {
  double jobs_per_s = 0; ///< jobs through all three writes per second
  std::size_t jobs = 0;
};

/// `synchronous_full`: synchronous=FULL (the store's default) or NORMAL.
/// The error is SQLite's message, naming the step that failed.
jobrt::result<sqlite_reference_result, std::string>
measure_sqlite_reference(const std::string& db_path, std::size_t jobs,
                         bool synchronous_full = true);

} // namespace bench
