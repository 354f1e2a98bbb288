#pragma once

// One [types.NAME] table of the config: the handler and its settings, the
// retry policy (every option of actors/retry_policy.hpp, rules per error
// code included), the attempt timeout, the breaker and the concurrency.
// The TOML keys mirror the fields of job_type_options, so the runtime's own
// checks (validate_policy, validate_breaker_config) name the same keys.

#include "config_reader.hpp"
#include "daemon_config.hpp"

namespace jobrtd {

/// Reads the table `reader` (whose path is types.NAME); errors go to the
/// reader's sink.
job_type_config read_job_type(std::string name, config_reader& reader);

/// The runtime's checks of the options, with their field under `path`
/// ("types.webhook"), so --check-config reports what start() would refuse.
void check_job_type_options(const jobrt::job_type_options& options,
                            const std::string& path, config_errors& errors);

} // namespace jobrtd
