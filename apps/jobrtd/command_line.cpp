#include "command_line.hpp"

namespace jobrtd {

namespace {

jobrt::result<access_token, jobrt::config_error> token_of(const std::string& text) {
  auto equals = text.find('=');
  if (equals == std::string::npos || equals + 1 == text.size())
    return jobrt::config_error{"--token", "'" + text + "' is not ROLE=TOKEN"};
  auto granted = parse_role(std::string_view(text).substr(0, equals));
  if (!granted)
    return jobrt::config_error{"--token", "the role must be read, enqueue or admin"};
  return access_token{*granted, text.substr(equals + 1)};
}

} // namespace

jobrt::result<void, jobrt::config_error> apply_overrides(daemon_config& config,
                                                         const config_overrides& o) {
  if (o.listen) {
    auto address = parse_listen_address(*o.listen);
    if (!address)
      return jobrt::config_error{"--listen", address.error()};
    config.server.listen = address.value();
  }
  if (o.database) {
    if (o.database->empty())
      return jobrt::config_error{"--db", "must not be empty"};
    config.store.database = *o.database;
  }
  if (!o.tokens.empty()) {
    config.tokens.clear();
    for (const auto& text : o.tokens) {
      auto token = token_of(text);
      if (!token)
        return token.error();
      config.tokens.push_back(std::move(token).value());
    }
  }
  return jobrt::outcome::success();
}

} // namespace jobrtd
