#include "jobrt/actors/handler_registry.hpp"

#include <utility>

namespace jobrt {

namespace {

bool is_empty(const handler_target& h) {
  if (const auto* fn = std::get_if<job_handler>(&h))
    return !*fn;
  return !std::get<handler_actor>(h);
}

config_check check_options(const job_type_options& o) {
  BOOST_OUTCOME_TRY(validate_policy(o.retry));
  if (o.timeout <= duration::zero() || o.timeout > max_timeout)
    return reject_setting("timeout", "must be positive and at most a week");
  if (o.breaker) {
    auto checked = validate_breaker_config(*o.breaker);
    if (!checked)
      return reject_setting("breaker." + checked.error().field,
                            checked.error().detail);
  }
  if (o.concurrency && *o.concurrency < 1)
    return reject_setting("concurrency", "must be at least 1");
  return outcome::success();
}

} // namespace

config_check handler_registry::add(std::string type, handler_target handler,
                                   job_type_options options) {
  if (type.empty())
    return reject_setting("type", "must not be empty");
  if (type.size() > max_name_bytes)
    return reject_setting("type", "must be at most " +
                                      std::to_string(max_name_bytes) +
                                      " bytes");
  if (types_.count(type) != 0)
    return reject_setting("type", "'" + type + "' already has a handler");
  if (is_empty(handler))
    return reject_setting("handler", "must be callable (or a valid actor)");
  BOOST_OUTCOME_TRY(check_options(options));
  auto key = type;
  types_.emplace(std::move(key), handler_registration{std::move(type),
                                                      std::move(handler),
                                                      std::move(options)});
  return outcome::success();
}

const handler_registration*
handler_registry::find(std::string_view type) const {
  auto i = types_.find(type);
  return i == types_.end() ? nullptr : &i->second;
}

} // namespace jobrt
