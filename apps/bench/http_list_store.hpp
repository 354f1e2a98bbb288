#pragma once

// The store that --workload http lists dead jobs from, as jobrtd's
// retention leaves one (actors/retention_policy.hpp: completed and
// cancelled jobs go after a day, dead ones stay until an operator acts):
// a day of traffic (1% of it dead, 0.5% cancelled, the rest completed)
// after the dead letters of the 29 days before it, whose other jobs are
// gone. Of a million jobs that makes 225,000 old dead letters, then
// 775,000 jobs of the last day with 7,750 dead among them: the dead are
// dense at low ids and sparse at high ones, so a page of 50 reads 50 rows
// in the first part and about 5,000 in the second. A dead job failed 3
// attempts (3 rows of history); payloads are ~60 bytes of JSON.
//
// Written through the SQLite store's own insert verb (job_store::commit),
// 10,000 jobs per transaction with synchronous=NORMAL, so the file is
// exactly what a runtime would have written; no runtime runs meanwhile.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/result.hpp"

#include <cstddef>
#include <string>

namespace bench {

struct list_store {
  std::size_t jobs = 0;
  std::size_t dead = 0;
  jobrt::job_id last_id = 0;
  double seconds = 0; ///< to write it
};

/// Replaces the SQLite file at `path` with such a store of `jobs` jobs.
jobrt::result<list_store, std::string> fill_list_store(const std::string& path,
                                                       std::size_t jobs);

} // namespace bench
