#include "charge_scenario.hpp"

#include <nlohmann/json.hpp>

namespace jobrt::demo {

order_kind kind_of(int order) {
  // The residues never collide (599 % 100 = 99, 599 % 20 = 19, 42 % 20 = 2),
  // so each kind has exactly order_count / modulus orders.
  if (order % 600 == 599)
    return order_kind::renewal;
  if (order % 100 == 42)
    return order_kind::hangs;
  if (order % 20 == 7)
    return order_kind::declined;
  return order_kind::payable;
}

int count_of(order_kind kind) {
  int n = 0;
  for (int order = 0; order < order_count; ++order)
    n += kind_of(order) == kind ? 1 : 0;
  return n;
}

std::string charge_payload(int order) {
  return nlohmann::json{{"order", order}, {"cents", 500 + order % 9500}}.dump();
}

int order_of(std::string_view payload) {
  auto parsed = nlohmann::json::parse(payload, nullptr, false);
  if (!parsed.is_object())
    return -1;
  auto order = parsed.value("order", -1);
  return order >= 0 ? order : -1;
}

retry_policy charge_retry() {
  retry_policy policy;
  policy.max_attempts = 8;
  policy.backoff = exponential_backoff{duration{20}, 2.0, duration{500}};
  policy.rules.push_back(error_rule{std::string(error_codes::timeout), 2,
                                    std::nullopt, false});
  return policy;
}

breaker_config charge_breaker() {
  return breaker_config{count_window{20}, failure_count_threshold{10},
                        duration{500}, 1.0, duration{500}, 3};
}

} // namespace jobrt::demo
