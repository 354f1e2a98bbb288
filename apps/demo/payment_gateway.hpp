#pragma once

// A stand-in for the shop's external payment API, and the "charge" handler
// that calls it. The gateway is healthy, goes down for the outage window of
// charge_scenario.hpp, then recovers; what it answers depends only on the
// order and on when the call starts. Calls block like HTTP requests but
// wait with job_context::sleep_for, so the runtime can stop them (on
// timeout, cancel or shutdown) and get its worker thread back.

#include "jobrt/messages/job_context.hpp"

#include <chrono>
#include <memory>

namespace jobrt::demo {

class payment_gateway {
public:
  using steady = std::chrono::steady_clock;

  /// The outage window is measured from `opened`.
  explicit payment_gateway(steady::time_point opened) : opened_(opened) {}

  /// Charges `order`; thread-safe (the gateway never changes).
  job_result charge(int order, const job_context& ctx) const;

  bool down_at(steady::time_point at) const;

private:
  steady::time_point opened_;
};

/// The handler of the "charge" type: reads the order from the payload and
/// charges it. `gateway` is shared with the handler's worker threads.
job_handler charge_handler(std::shared_ptr<const payment_gateway> gateway);

} // namespace jobrt::demo
