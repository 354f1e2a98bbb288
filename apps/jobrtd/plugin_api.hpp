#pragma once

// The interface between jobrtd and a handler plug-in: a shared library that
// exports
//
//   extern "C" int jobrtd_register_plugin(jobrtd::plugin_registry& registry,
//                                         int api_version);
//
// jobrtd loads each library named by a [types.NAME.plugin] table once, at
// start, before the runtime starts, and calls the function once; the
// plug-in adds its callables by name and returns 0 (any other value is a
// refusal and jobrtd does not start). A type then names its callable with
// `function = "NAME"`; retry policy, timeout, breaker and concurrency come
// from the config, as for the built-in handlers.
//
// The callables run on jobrt's worker threads (jobrt::job_handler: see
// messages/job_context.hpp for the stop request they must honour). The
// library is never unloaded: an abandoned handler thread may still be in
// its code at exit. A plug-in is built with the same compiler and standard
// library as jobrtd (it exchanges std::function and std::string); it need
// not link jobrt: the inline parts of messages/job_context.hpp and the
// plain structs job_output and job_error are all a handler needs.

#include "jobrt/messages/job_context.hpp"

#include <string>

namespace jobrtd {

/// Bumped whenever this header changes incompatibly.
inline constexpr int plugin_api_version = 1;

class plugin_registry {
public:
  virtual ~plugin_registry() = default;
  /// `name` must be unique within the library.
  virtual void add(std::string name, jobrt::job_handler handler) = 0;
};

} // namespace jobrtd

extern "C" {
using jobrtd_register_plugin_fn = int (*)(jobrtd::plugin_registry&, int);
}
