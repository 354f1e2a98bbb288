#pragma once

// How long finished jobs stay (DESIGN.md: "purge / retention"). The
// supervisor removes a terminal job from its table and the store once it has
// been finished for its state's age, checking every `interval`. Dead jobs
// stay until an operator acts unless an age is set for them too: they are
// the ones someone must look at.

#include "jobrt/messages/job_state.hpp"
#include "jobrt/messages/time.hpp"

#include <optional>

namespace jobrt {

struct retention_policy {
  std::optional<duration> completed;
  std::optional<duration> cancelled;
  std::optional<duration> dead;
  duration interval{std::chrono::minutes(1)};

  /// Keeps every job until it is purged by hand.
  static retention_policy keep_all() { return {}; }

  /// The runtime's default: completed and cancelled jobs for a day, dead
  /// jobs until purged.
  static retention_policy standard() {
    retention_policy p;
    p.completed = std::chrono::hours(24);
    p.cancelled = std::chrono::hours(24);
    return p;
  }

  std::optional<duration> age(job_state s) const {
    switch (s) {
      case job_state::completed: return completed;
      case job_state::cancelled: return cancelled;
      case job_state::dead: return dead;
      default: return std::nullopt;
    }
  }

  bool any() const { return completed || cancelled || dead; }
};

} // namespace jobrt
