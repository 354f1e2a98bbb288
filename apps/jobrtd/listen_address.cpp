#include "listen_address.hpp"

#include "cli/decimal_arg.hpp"

namespace jobrtd {

jobrt::result<listen_address, std::string>
parse_listen_address(std::string_view text) {
  auto quoted = "'" + std::string(text) + "'";
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return quoted + " has no :PORT (use HOST:PORT, e.g. 127.0.0.1:8080)";
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    return quoted + " has an IPv6 host without brackets (use [::1]:8080)";
  if (host.empty())
    return quoted + " has no host (use 0.0.0.0:PORT for every interface)";
  auto port = jobrt::cli::parse_decimal_arg("port", text.substr(colon + 1),
                                            {0, 65535});
  if (!port)
    return quoted + ": " + port.error().message;
  return listen_address{std::string(host),
                        static_cast<std::uint16_t>(port.value())};
}

std::string to_string(const listen_address& a) {
  auto host = a.host.find(':') == std::string::npos ? a.host
                                                    : "[" + a.host + "]";
  return host + ":" + std::to_string(a.port);
}

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

} // namespace jobrtd
