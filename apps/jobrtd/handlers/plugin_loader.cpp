#include "plugin_loader.hpp"

#include "plugin_api.hpp"

#include <dlfcn.h>

namespace jobrtd {

namespace {

class collecting_registry final : public plugin_registry {
public:
  explicit collecting_registry(std::map<std::string, jobrt::job_handler, std::less<>>& out)
    : out_(out) {}
  void add(std::string name, jobrt::job_handler handler) override {
    out_.insert_or_assign(std::move(name), std::move(handler));
  }

private:
  std::map<std::string, jobrt::job_handler, std::less<>>& out_;
};

std::string last_dl_error() {
  const char* e = ::dlerror();
  return e != nullptr ? e : "unknown error";
}

} // namespace

jobrt::result<const plugin_loader::functions*, std::string>
plugin_loader::load(const std::string& path) {
  if (auto it = libraries_.find(path); it != libraries_.end())
    return &it->second;
  // Never closed (see plugin_api.hpp); RTLD_LOCAL keeps plug-ins apart.
  void* library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr)
    return "cannot load " + path + ": " + last_dl_error();
  auto* entry = reinterpret_cast<jobrtd_register_plugin_fn>(
      ::dlsym(library, "jobrtd_register_plugin"));
  if (entry == nullptr)
    return path + " exports no jobrtd_register_plugin";
  functions registered;
  collecting_registry registry(registered);
  if (int rc = entry(registry, plugin_api_version); rc != 0)
    return path + " refused to register (it returned " + std::to_string(rc) + ")";
  return &libraries_.emplace(path, std::move(registered)).first->second;
}

jobrt::result<jobrt::job_handler, std::string>
plugin_loader::find(const std::string& path, const std::string& function) {
  auto library = load(path);
  if (!library)
    return library.error();
  const auto& registered = *library.value();
  if (auto it = registered.find(function); it != registered.end())
    return it->second;
  std::string names;
  for (const auto& [name, handler] : registered)
    names += (names.empty() ? "" : ", ") + name;
  return path + " registers no function '" + function + "' (it has: " + names + ")";
}

} // namespace jobrtd
