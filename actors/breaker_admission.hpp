#pragma once

// Who may pass one breaker key (DESIGN.md, "Circuit breaker"): everything
// while closed, nothing while open, and `probes` attempts while half-open.
// Pure. The breaker state machine (circuit_breaker.hpp) admits through one
// of these, and the supervisor's dispatch gate keeps one per key, fed by
// the breaker actor's updates, so dispatch runs the very code the breaker's
// tests check.

#include "jobrt/messages/breaker.hpp"

#include <cstdint>
#include <limits>

namespace jobrt {

class breaker_admission {
public:
  /// The breaker changed to `state`; in half-open, `probes` may pass.
  void enter(breaker_state state, std::int32_t probes) noexcept {
    state_ = state;
    probes_ = state == breaker_state::half_open ? probes : 0;
    probes_left_ = probes_;
  }

  breaker_state state() const noexcept { return state_; }

  /// How many attempts may still start: unbounded while closed.
  std::int32_t allowance() const noexcept {
    switch (state_) {
      case breaker_state::closed: return std::numeric_limits<std::int32_t>::max();
      case breaker_state::open: return 0;
      case breaker_state::half_open: return probes_left_;
    }
    return 0;
  }

  bool admits() const noexcept { return allowance() > 0; }

  /// Lets one attempt pass, taking a probe slot in half-open.
  bool try_admit() noexcept {
    if (!admits())
      return false;
    if (state_ == breaker_state::half_open)
      --probes_left_;
    return true;
  }

  /// A probe that told nothing (an ignored failure) gives its slot back, so
  /// another job may probe.
  void give_back() noexcept {
    if (state_ == breaker_state::half_open && probes_left_ < probes_)
      ++probes_left_;
  }

private:
  breaker_state state_ = breaker_state::closed;
  std::int32_t probes_ = 0;
  std::int32_t probes_left_ = 0;
};

} // namespace jobrt
