#pragma once

// cpp-httplib takes its timeouts as seconds and microseconds.

#include "jobrt/messages/time.hpp"

#include <ctime>
#include <utility>

namespace jobrtd {

inline std::pair<time_t, time_t> seconds_and_micros(jobrt::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return {static_cast<time_t>(us / 1'000'000), static_cast<time_t>(us % 1'000'000)};
}

} // namespace jobrtd
