#pragma once

// The reference limit of the SQLite store, measured in the same run on the
// same disk: raw SQLite with nothing of jobrt around it. A fresh database in
// WAL mode gets the store's own schema (its migrations,
// persistence/sqlite_schema.cpp); each job costs one INSERT and two UPDATEs
// (to processing with attempt 1, then to completed) through prepared
// statements, 1,000 jobs per transaction. A store built on SQLite that makes
// the same three writes durable per job cannot be expected to beat it.
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
