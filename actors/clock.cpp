#include "jobrt/actors/clock.hpp"

namespace jobrt {

actor_system_clock::actor_system_clock(const caf::actor_clock& source,
                                       time_point origin)
  : source_(source), source_origin_(source.now()), origin_(origin) {}

time_point actor_system_clock::now() const {
  return origin_ + std::chrono::duration_cast<duration>(source_.now() -
                                                        source_origin_);
}

caf::actor_clock::time_point
actor_system_clock::to_actor_time(time_point at) const {
  return source_origin_ + (at - origin_);
}

} // namespace jobrt
