#pragma once

// The reference limit of the PostgreSQL store, measured in the same run on
// the same server: raw libpq with nothing of jobrt around it. A fresh
// schema gets the store's own tables and indexes (its migrations, applied
// by opening it as a tool); each job costs the three writes the runtime
// makes for a job of W1's flood: its INSERT as pending, its claim (an
// UPDATE to processing, attempt 1, the owner set) and its completion (an
// UPDATE fenced on state, attempt and owner). As in sqlite_reference.hpp,
// each write is in a later transaction than the one before, and each
// transaction completes 1,000 jobs, claims 1,000 and enqueues 1,000, with
// synchronous_commit=on (every COMMIT waits for the WAL flush). The
// statements of one transaction go in one pipeline (libpq pipeline mode),
// so a transaction costs one round trip and one WAL flush: the best a
// client of this server can do with these writes.
//
// The schema is dropped before and after the run. Runs on the calling
// thread.

#include "jobrt/messages/result.hpp"

#include <cstddef>
#include <string>

namespace bench {

struct postgres_reference_result {
  double jobs_per_s = 0; ///< jobs through all three writes per second
  std::size_t jobs = 0;
};

/// The error names the step that failed, with the server's message.
jobrt::result<postgres_reference_result, std::string>
measure_postgres_reference(const std::string& uri, const std::string& schema,
                           std::size_t jobs);

} // namespace bench
