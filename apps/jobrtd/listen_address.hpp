#pragma once

// Where jobrtd listens: "HOST:PORT" (an IPv4 address or a name) or
// "[IPV6]:PORT". Port 0 asks the system for a free port; jobrtd prints the
// one it got.

#include "jobrt/messages/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace jobrtd {

struct listen_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;

  friend bool operator==(const listen_address&, const listen_address&) = default;
};

/// The error says what is wrong, e.g. "'localhost' has no :PORT".
jobrt::result<listen_address, std::string>
parse_listen_address(std::string_view text);

/// "HOST:PORT", brackets around an IPv6 host.
std::string to_string(const listen_address& a);

/// 127.0.0.0/8, ::1 and "localhost": reachable from this machine only.
bool is_loopback(std::string_view host);

} // namespace jobrtd
