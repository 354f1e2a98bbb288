#include "payment_gateway.hpp"

#include "charge_scenario.hpp"

#include <string>

namespace jobrt::demo {

namespace {

/// What a stopped call returns. Its attempt has already been failed (timeout)
/// or will end as cancelled or released, so the runtime discards it; it
/// only has to be a failure, never a charge that did not happen.
job_error stopped() {
  return job_error::transient("stopped", "the runtime stopped the call");
}

} // namespace

bool payment_gateway::down_at(steady::time_point at) const {
  auto since_open = at - opened_;
  return since_open >= outage_begin && since_open < outage_end;
}

job_result payment_gateway::charge(int order, const job_context& ctx) const {
  auto called = steady::now();
  if (ctx.sleep_for(gateway_latency))
    return stopped();
  // During the outage the load balancer answers before any issuer is asked.
  if (down_at(called))
    return job_error::transient("gateway_unavailable",
                                "503 Service Unavailable from the gateway");
  switch (kind_of(order)) {
    case order_kind::declined:
      return job_error::permanent("card_declined",
                                  "the issuer declined the card (do_not_honor)");
    case order_kind::hangs:
      // Waits until the attempt deadline asks it to stop: a thread held
      // for as long as the timeout, never longer.
      ctx.sleep_for(std::chrono::hours(1));
      return stopped();
    case order_kind::payable:
    case order_kind::renewal: break;
  }
  return job_output{"ch_" + std::to_string(100000 + order)};
}

job_handler charge_handler(std::shared_ptr<const payment_gateway> gateway) {
  return [gateway](job_context& ctx) -> job_result {
    auto order = order_of(ctx.payload());
    if (order < 0)
      return job_error::permanent("bad_payload", "no order in the payload");
    return gateway->charge(order, ctx);
  };
}

} // namespace jobrt::demo
