#pragma once

// Every job a reader shows, page by page: for tests and tools that check a
// whole store file (the crash test, jobctl's tests). Needs no test
// framework, so the crash worker can use it too.

#include "jobrt/persistence/job_store.hpp"

#include <vector>

namespace jobrt::test {

/// Every job of `reader`, in id order, with error histories.
inline result<std::vector<job>, store_error> all_jobs(job_reader& reader) {
  std::vector<job> out;
  job_query query;
  query.limit = max_page_size;
  for (;;) {
    BOOST_OUTCOME_TRY(page, reader.list(query));
    for (auto& j : page.jobs)
      out.push_back(std::move(j));
    if (!page.next_after)
      return out;
    query.after = *page.next_after;
  }
}

} // namespace jobrt::test
