#pragma once

// Which handler runs each job type, and with which retry policy, attempt
// timeout, breaker and concurrency limit. Filled in before the runtime
// starts, then shared read-only by its actors (no locking needed).

#include "jobrt/actors/job_type_options.hpp"
#include "jobrt/actors/transitions.hpp"
#include "jobrt/messages/interfaces.hpp"
#include "jobrt/messages/job_context.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace jobrt {

/// A plain callable (run on jobrt's worker threads) or a handler actor.
using handler_target = std::variant<job_handler, handler_actor>;

struct handler_registration {
  std::string type;
  handler_target handler;
  job_type_options options;

  /// What make_job uses where a spec is silent.
  job_defaults defaults() const {
    return {options.retry.attempt_ceiling(), options.timeout};
  }
};

class handler_registry {
public:
  /// Registers `type`; refuses an empty or taken name, an empty callable,
  /// an invalid handle, and any option validate_policy or
  /// validate_breaker_config rejects.
  config_check add(std::string type, handler_target handler,
                   job_type_options options);

  /// nullptr when nothing handles `type`.
  const handler_registration* find(std::string_view type) const;

  bool empty() const noexcept { return types_.empty(); }
  const std::map<std::string, handler_registration, std::less<>>&
  types() const noexcept {
    return types_;
  }

private:
  std::map<std::string, handler_registration, std::less<>> types_;
};

} // namespace jobrt
