#pragma once

// What a job type's built-in handler is told by the config: the program
// to run (exec), the URL to deliver to (http), or the plug-in callable
// (plugin). Plain values; the handlers are made from them by
// handler_factory.

#include "jobrt/messages/time.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace jobrtd {

struct exec_config {
  /// argv; command[0] is looked up in PATH.
  std::vector<std::string> command;
  /// Exit codes that mean "never retry" (dead at once); any other non-zero
  /// exit is transient.
  std::vector<int> permanent_exit_codes;
  /// Bytes of stdout kept as the job's output; the rest is read and dropped.
  std::size_t output_limit = 64 * 1024;
  /// After SIGTERM (the attempt timed out, was cancelled or the daemon
  /// stops), how long before SIGKILL.
  jobrt::duration kill_grace{std::chrono::seconds(2)};
  /// Added to jobrtd's own environment (JOBRT_JOB_ID, JOBRT_ATTEMPT,
  /// JOBRT_JOB_TYPE and JOBRT_QUEUE are set for every run).
  std::vector<std::pair<std::string, std::string>> environment;
};

struct http_config {
  std::string method = "POST";
  /// http:// or https://, with an optional port and path.
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  /// Connect, send and receive, each; an attempt's own timeout still bounds
  /// the whole attempt.
  jobrt::duration timeout{std::chrono::seconds(30)};
  /// Bytes of the response body kept as the output.
  std::size_t output_limit = 64 * 1024;
};

struct plugin_config {
  /// Path of the shared library, loaded once at start and never unloaded.
  std::string library;
  /// The name the plug-in registered its callable under.
  std::string function;
};

using handler_config = std::variant<exec_config, http_config, plugin_config>;

} // namespace jobrtd
