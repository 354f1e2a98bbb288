#include "jobrt/messages/job.hpp"

#include <string>
#include <string_view>

namespace jobrt {

namespace {

spec_error empty_field(std::string_view field) {
  return spec_error{spec_error::code_type::empty, std::string(field),
                    "must not be empty"};
}

spec_error outside(std::string_view field, std::int64_t low, std::int64_t high,
                   std::int64_t got) {
  return spec_error{spec_error::code_type::out_of_range, std::string(field),
                    "must be between " + std::to_string(low) + " and " +
                        std::to_string(high) + " (got " +
                        std::to_string(got) + ")"};
}

spec_error too_long(std::string_view field, std::size_t limit,
                    std::size_t got) {
  return spec_error{spec_error::code_type::too_long, std::string(field),
                    "must be at most " + std::to_string(limit) +
                        " bytes (got " + std::to_string(got) + ")"};
}

bool within(std::int64_t value, std::int64_t low, std::int64_t high) {
  return low <= value && value <= high;
}

} // namespace

std::string spec_error::message() const { return field + ": " + detail; }

// Field names are those of the JSON form (timeout_ms, not timeout), so a
// decoder can pass them on unchanged.
result<void, spec_error> validate_spec(const job_spec& spec) {
  if (spec.type.empty())
    return empty_field("type");
  if (spec.queue.empty())
    return empty_field("queue");
  if (spec.type.size() > max_name_bytes)
    return too_long("type", max_name_bytes, spec.type.size());
  if (spec.queue.size() > max_name_bytes)
    return too_long("queue", max_name_bytes, spec.queue.size());
  if (!within(spec.priority, 0, max_priority))
    return outside("priority", 0, max_priority, spec.priority);
  if (spec.max_attempts && !within(*spec.max_attempts, 1, max_attempts_limit))
    return outside("max_attempts", 1, max_attempts_limit, *spec.max_attempts);
  if (spec.timeout && !within(spec.timeout->count(), 1, max_timeout.count()))
    return outside("timeout_ms", 1, max_timeout.count(), spec.timeout->count());
  if (spec.run_at && *spec.run_at < time_point{})
    return spec_error{spec_error::code_type::out_of_range, "run_at",
                      "must not be before the epoch (got " +
                          std::to_string(spec.run_at->time_since_epoch().count()) +
                          " ms)"};
  if (spec.breaker_key && spec.breaker_key->empty())
    return empty_field("breaker_key");
  if (spec.unique_key && spec.unique_key->empty())
    return empty_field("unique_key");
  if (spec.breaker_key && spec.breaker_key->size() > max_name_bytes)
    return too_long("breaker_key", max_name_bytes, spec.breaker_key->size());
  if (spec.unique_key && spec.unique_key->size() > max_unique_key_bytes)
    return too_long("unique_key", max_unique_key_bytes, spec.unique_key->size());
  return outcome::success();
}

} // namespace jobrt
