#include "handler_factory.hpp"

#include "exec_handler.hpp"
#include "http_handler.hpp"

namespace jobrtd {

jobrt::result<jobrt::job_handler, std::string>
make_handler(const handler_config& config, plugin_loader& plugins) {
  if (const auto* exec = std::get_if<exec_config>(&config))
    return make_exec_handler(*exec);
  if (const auto* http = std::get_if<http_config>(&config))
    return make_http_handler(*http);
  const auto& plugin = std::get<plugin_config>(config);
  return plugins.find(plugin.library, plugin.function);
}

} // namespace jobrtd
