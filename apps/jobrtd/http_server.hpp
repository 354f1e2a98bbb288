#pragma once

// The HTTP shell around job_api (cpp-httplib): it checks each request's
// headers with admit() before its body is read, hands the rest to job_api,
// streams GET /events from the event_hub, and serves GET /whoami and the
// dashboard's embedded files. Limits from server_config:
// threads, body size, read/write and keep-alive timeouts; headers are
// bounded by the library (8 KiB).
//
// `api`, `hub`, `access` and `log` must outlive the server. bind() then
// start() once; stop() is idempotent and also runs at destruction.

#include "access_control.hpp"
#include "daemon_config.hpp"
#include "event_hub.hpp"
#include "job_api.hpp"

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib
namespace spdlog {
class logger;
}

namespace jobrtd {

class http_server {
public:
  http_server(const server_config& config, const access_policy& access,
              job_api& api, event_hub& hub, spdlog::logger& log);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The port bound (the system's choice for port 0), or why not.
  jobrt::result<std::uint16_t, std::string> bind(const listen_address& address);
  /// Serves on a thread of its own.
  void start();
  /// Ends the event streams, stops accepting, lets running requests finish
  /// and joins the threads.
  void stop();

private:
  void install_routes();
  void serve_request(const httplib::Request& req, httplib::Response& res,
                     std::string_view body);

  server_config config_;
  const access_policy& access_;
  job_api& api_;
  event_hub& hub_;
  spdlog::logger& log_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

} // namespace jobrtd
