#pragma once

// jobrtd's configuration: what a TOML file says (see jobrtd.example.toml
// for every key), checked in full before anything starts. load_config and
// parse_config never throw; the first bad key comes back as a
// jobrt::config_error whose field is the key's dotted path
// ("types.webhook.retry.max_attempts") and whose detail says what it must
// be.

#include "access_control.hpp"
#include "handlers/handler_config.hpp"
#include "listen_address.hpp"

#include "jobrt/actors/config_error.hpp"
#include "jobrt/actors/job_type_options.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace jobrtd {

struct store_config {
  /// A SQLite path (later also a postgresql:// URI): runtime_config::database.
  std::string database = "jobrtd.db";
  std::size_t worker_threads = 4;
  std::size_t max_in_flight = 256;
  std::map<std::string, std::int32_t, std::less<>> queue_concurrency;
};

struct server_config {
  listen_address listen;
  /// Threads that serve requests; each open /events stream holds one.
  std::size_t threads = 8;
  std::size_t max_event_streams = 4; ///< below threads
  /// Frames kept per /events client; a client that falls this far behind
  /// is dropped, so it never slows the runtime or the other clients.
  std::size_t event_buffer = 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  /// How long a request's headers and body may take to arrive, and a
  /// response to leave: a slow client cannot hold a thread longer.
  jobrt::duration read_timeout{std::chrono::seconds(5)};
  jobrt::duration write_timeout{std::chrono::seconds(5)};
  jobrt::duration keep_alive_timeout{std::chrono::seconds(5)};
  std::size_t keep_alive_max_requests = 1000;
};

struct job_type_config {
  std::string name;
  handler_config handler;
  jobrt::job_type_options options;
};

struct daemon_config {
  store_config store;
  server_config server;
  std::vector<access_token> tokens;
  /// At SIGTERM/SIGINT: how long running attempts may take to finish.
  jobrt::duration shutdown_grace{std::chrono::seconds(30)};
  std::string log_level = "info";
  std::vector<job_type_config> types;
};

/// The TOML document `text`; `origin` names it in a syntax error.
jobrt::result<daemon_config, jobrt::config_error>
parse_config(std::string_view text, std::string_view origin = "config");

/// The file at `path`.
jobrt::result<daemon_config, jobrt::config_error>
load_config(const std::string& path);

} // namespace jobrtd
