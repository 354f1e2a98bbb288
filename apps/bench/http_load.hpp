#pragma once

// Closed-loop HTTP load for --workload http: C keep-alive connections
// (cpp-httplib clients), one thread each, each sending its next request as
// soon as the last one was answered, until the run's requests are used up.
// Each connection opens (with a GET /healthz) before the clock starts, so
// the rate is of requests, not of connects. The first failure (a transport
// error, an unexpected answer) stops every connection, and so does SIGINT
// or SIGTERM.

#include "cli/shutdown_signal.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace bench {

/// Makes one request on `client`; empty when it was answered as expected,
/// else why not.
using http_request = std::function<std::string(httplib::Client& client)>;

struct load_plan {
  std::size_t connections = 1;
  std::size_t requests = 0; ///< over all connections
  bool keep_latencies = false;
};

struct load_figures {
  std::size_t answered = 0;
  double seconds = 0; ///< from the first request to the last answer
  /// Per request, when kept: from just before it was sent to its answer.
  std::vector<std::int64_t> latencies_ns;
  /// The first failure, or the signal; empty when every request went well.
  std::string stopped;

  double per_second() const { return seconds > 0 ? static_cast<double>(answered) / seconds : 0; }
};

/// `connection(i)` gives connection i its requests (each may keep state of
/// its own, such as a cursor).
load_figures run_load(std::uint16_t port, const load_plan& plan,
                      const std::function<http_request(std::size_t)>& connection,
                      const jobrt::cli::shutdown_signal& interrupt);

} // namespace bench
