#pragma once

// Loads handler plug-ins (see plugin_api.hpp) and hands out their
// callables. Each library is loaded once, however many types use it, and
// stays loaded for the life of the process. Not thread-safe: used at start
// only.

#include "jobrt/messages/job_context.hpp"

#include <map>
#include <string>

namespace jobrtd {

class plugin_loader {
public:
  /// The callable `function` of the library at `path`, or why not ("cannot
  /// load ...: dlerror", "exports no jobrtd_register_plugin", "registers no
  /// function 'x' (it has: a, b)").
  jobrt::result<jobrt::job_handler, std::string> find(const std::string& path,
                                                      const std::string& function);

private:
  using functions = std::map<std::string, jobrt::job_handler, std::less<>>;
  jobrt::result<const functions*, std::string> load(const std::string& path);

  std::map<std::string, functions> libraries_;
};

} // namespace jobrtd
