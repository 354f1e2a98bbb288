#pragma once

// The reference limits of the PostgreSQL store, measured in the same run on
// the same server: raw libpq with nothing of jobrt around it. A fresh
// schema gets the store's own tables and indexes (its migrations, applied
// by opening it as a tool); each job costs the three writes the runtime
// makes for a job of W1's flood: its INSERT as pending, its claim (an
// UPDATE to processing, attempt 1, the owner set) and its completion (an
// UPDATE fenced on state, attempt and owner). As in sqlite_reference.hpp,
// each write is in a later transaction than the one before, and each
// transaction completes 1,000 jobs, claims 1,000 and enqueues 1,000, with
// synchronous_commit=on (every COMMIT waits for the WAL flush). A
// transaction's statements go in one pipeline (postgres_pipeline.hpp): one
// round trip and one WAL flush per transaction.
//
// Two of them:
//   per row  one INSERT and two UPDATEs per job, prepared: 3,000
//            statements per transaction. What the target is judged
//            against: the reference, what a client writing each
//            job as its own statement gets from this server.
//   set      one statement per write and transaction, over the 1,000 ids
//            as an array (unnest), as the store writes its batches: three
//            statements per transaction. The stronger figure; what no
//            client of this server that makes these writes can beat by
//            much.
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

/// The set-based reference. The error names the step that failed, with
/// the server's message.
jobrt::result<postgres_reference_result, std::string>
measure_postgres_reference(const std::string& uri, const std::string& schema,
                           std::size_t jobs);

/// The per-row reference; errors as above.
jobrt::result<postgres_reference_result, std::string>
measure_postgres_row_reference(const std::string& uri,
                               const std::string& schema, std::size_t jobs);

} // namespace bench
