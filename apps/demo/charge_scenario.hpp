#pragma once

// The demo's story in one place: which orders a shop charges, when they
// arrive, how its payment gateway behaves over time, and the retry policy
// and circuit breaker that protect the gateway. Time is compressed (a
// "minute" of real traffic takes a few seconds): backoffs, timeouts and
// cooldowns are milliseconds. Nothing is random: an order's fate follows
// from its index and from when its attempt runs.

#include "jobrt/actors/circuit_breaker.hpp"
#include "jobrt/actors/retry_policy.hpp"
#include "jobrt/messages/job.hpp"

#include <cstdint>
#include <string>

namespace jobrt::demo {

/// The job type every order is charged with.
inline constexpr std::string_view charge_type = "charge";

inline constexpr int order_count = 3000;
/// Orders arrive in batches (one enqueue round trip each): 60 batches of 50,
/// one every 120 ms, so arrivals span 7.2 s and straddle the outage.
inline constexpr int batch_size = 50;
inline constexpr duration batch_gap{120};

/// The gateway answers 503 to every call that starts in
/// [outage_begin, outage_end), measured from the start of the run.
inline constexpr duration outage_begin{2500};
inline constexpr duration outage_end{5000};
/// The round trip of one healthy call.
inline constexpr duration gateway_latency{4};
/// Calls the gateway allows at once; also the runtime's worker threads.
inline constexpr std::int32_t gateway_connections = 8;
inline constexpr duration attempt_timeout{100};

/// What the gateway does with an order outside the outage.
enum class order_kind : std::uint8_t {
  payable,  ///< charged
  declined, ///< the issuer refuses the card: a permanent error, dead at once
  hangs,    ///< the gateway never answers: every attempt times out
  renewal,  ///< a subscription renewal scheduled for later, then cancelled
};

order_kind kind_of(int order);
/// How many of the order_count orders are of `kind`.
int count_of(order_kind kind);

/// The job payload of an order, and back; -1 when it names no order.
std::string charge_payload(int order);
int order_of(std::string_view payload);

/// Exponential 20 ms doubling up to 500 ms, 8 attempts; but a charge that
/// hung twice will hang again, so a timeout is given 2 attempts only.
retry_policy charge_retry();
/// 10 transient failures among the last 20 calls open it; after 500 ms it
/// lets 3 probe charges through, and closes when all 3 succeed.
breaker_config charge_breaker();

} // namespace jobrt::demo
