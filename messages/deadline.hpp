#pragma once

// The timer's vocabulary. A deadline is named by a key that packs who it
// belongs to (its kind, which selects the listener it fires to) and an id
// within that kind (a job id, a breaker's index). A key has at most one
// deadline: scheduling it again moves it.

#include "jobrt/messages/time.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace jobrt {

enum class deadline_kind : std::uint8_t {
  job,              ///< the supervisor's: run_at, retry backoff, attempt timeout
  breaker_cooldown, ///< the circuit breaker's: open → half-open
};

inline constexpr std::size_t deadline_kind_count = 2;

using deadline_key = std::uint64_t;

/// Ids use the low 56 bits; job ids beyond that are refused by the store.
inline constexpr std::uint64_t max_deadline_id = (std::uint64_t{1} << 56) - 1;

constexpr deadline_key make_deadline_key(deadline_kind kind, std::uint64_t id) {
  return (std::uint64_t{static_cast<std::uint8_t>(kind)} << 56) |
         (id & max_deadline_id);
}

constexpr deadline_kind kind_of(deadline_key key) {
  return static_cast<deadline_kind>(key >> 56);
}

constexpr std::uint64_t id_of(deadline_key key) { return key & max_deadline_id; }

/// Schedule (or move) the deadline of `key` to `at`; an unset `at` cancels it.
struct deadline_command {
  deadline_key key = 0;
  std::optional<time_point> at;
};

/// One message carries every command an actor produced in one turn.
using deadline_commands = std::vector<deadline_command>;

/// What the timer reports about itself.
struct timer_stats {
  std::uint64_t armed = 0;  ///< deadlines waiting
  std::uint64_t fired = 0;  ///< deadlines fired since start
  std::uint64_t memory_bytes = 0; ///< bytes its ordered structure holds
};

} // namespace jobrt
