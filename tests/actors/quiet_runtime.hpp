#pragma once

// The runtime settings the tests on real threads start from: two worker
// threads, a logger without sinks, fixed jitter; in memory or on a file.

#include "jobrt/actors/runtime.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace jobrt::testing {

inline runtime_config quiet_runtime_config() {
  runtime_config c;
  c.worker_threads = 2;
  c.logger = std::make_shared<spdlog::logger>(
      "jobrt-runtime-test", std::make_shared<spdlog::sinks::null_sink_mt>());
  c.jitter_seed = 1;
  return c;
}

/// The same on the SQLite file `path`.
inline runtime_config quiet_runtime_on(const std::string& path) {
  auto c = quiet_runtime_config();
  c.database = path;
  return c;
}

} // namespace jobrt::testing
