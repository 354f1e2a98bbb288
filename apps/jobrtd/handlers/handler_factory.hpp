#pragma once

// The job_handler for a type's handler config: exec, http, or a plug-in's
// callable.

#include "handler_config.hpp"
#include "plugin_loader.hpp"

#include <string>

namespace jobrtd {

/// The why-not names what failed (a plug-in that cannot be loaded, a
/// function it does not register). `plugins` caches the libraries.
jobrt::result<jobrt::job_handler, std::string>
make_handler(const handler_config& config, plugin_loader& plugins);

} // namespace jobrtd
