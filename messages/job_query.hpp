#pragma once

// Listing jobs: a filter and a cursor. Pages are ordered by id; pass the
// previous page's next_after to continue.

#include "jobrt/messages/job.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobrt {

inline constexpr std::size_t max_page_size = 1000;

struct job_query {
  std::optional<job_state> state;
  std::optional<std::string> type;
  std::optional<std::string> queue;
  job_id after = 0;        ///< only ids greater than this
  std::size_t limit = 100; ///< at most max_page_size

  bool matches(const job& j) const {
    return (!state || j.state == *state) && (!type || j.type == *type) &&
           (!queue || j.queue == *queue);
  }
};

/// Jobs per state, indexed by static_cast<size_t>(job_state).
using state_counts = std::array<std::uint64_t, all_job_states.size()>;

struct job_page {
  std::vector<job> jobs;
  /// Set when more jobs may match: the cursor for the next page.
  std::optional<job_id> next_after;
};

} // namespace jobrt
