#pragma once

// Where jobrt's actors read the time. Job times are wall-clock
// milliseconds; the actor_system_clock derives them from CAF's actor clock,
// which is monotonic in production and simulated under CAF's test
// coordinator, so timers, delayed messages and job times always agree, and
// tests drive all of them with one `advance_time`.

#include "jobrt/messages/time.hpp"

#include <caf/actor_clock.hpp>

#include <memory>

namespace jobrt {

/// Read from any thread.
class clock {
public:
  virtual ~clock() = default;
  virtual time_point now() const = 0;
};

/// Wall-clock time at the instant of construction, moved forward by the
/// actor clock since then. `source` must outlive this object (it belongs to
/// the actor_system).
class actor_system_clock final : public clock {
public:
  actor_system_clock(const caf::actor_clock& source, time_point origin);
  time_point now() const override;

  /// The actor clock's instant at which the job time `at` is reached.
  caf::actor_clock::time_point to_actor_time(time_point at) const;

private:
  const caf::actor_clock& source_;
  caf::actor_clock::time_point source_origin_;
  time_point origin_;
};

} // namespace jobrt
