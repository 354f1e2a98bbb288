#pragma once

// jobrtd's command-line overrides of the config file, so one example config
// serves tests and scripts: --listen ADDR:PORT, --db PATH_OR_URI and
// --token ROLE=TOKEN (repeatable; any --token replaces the file's tokens).
// Pure.

#include "daemon_config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobrtd {

struct config_overrides {
  std::optional<std::string> listen;
  std::optional<std::string> database;
  std::vector<std::string> tokens; ///< "ROLE=TOKEN"
};

/// The error names the option: "--token: 'x' is not ROLE=TOKEN".
jobrt::result<void, jobrt::config_error> apply_overrides(daemon_config& config,
                                                         const config_overrides& o);

} // namespace jobrtd
