#pragma once

// One run of jobrtd on a checked config: registers each job type's handler,
// starts the runtime and the HTTP server, prints "jobrtd: listening on
// HOST:PORT" on stdout, and at SIGTERM/SIGINT stops accepting requests,
// lets running attempts finish within shutdown_grace and returns 0.
// Returns 3 when it cannot start (a handler, the store, the address).

#include "daemon_config.hpp"

#include "cli/shutdown_signal.hpp"

#include <memory>

namespace spdlog {
class logger;
}

namespace jobrtd {

inline constexpr int exit_cannot_start = 3;

int run_daemon(daemon_config config, const jobrt::cli::shutdown_signal& signals,
               std::shared_ptr<spdlog::logger> log);

/// The handlers of every type, made as run_daemon would (loading the
/// plug-ins): --check-config's last step. The error names the type.
jobrt::result<void, jobrt::config_error> check_handlers(const daemon_config& config);

} // namespace jobrtd
