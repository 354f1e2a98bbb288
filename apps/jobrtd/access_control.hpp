#pragma once

// Who may do what over HTTP: bearer tokens from the config, each with a
// role. Roles are levels: enqueue includes read, admin includes both.
// Pure: no I/O, no clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobrtd {

enum class role : std::uint8_t {
  read,    ///< GET the jobs, stats, breakers, events, metrics
  enqueue, ///< and POST /jobs
  admin,   ///< and cancel, requeue, purge (one job or in bulk)
};

std::string_view to_string(role r) noexcept;
std::optional<role> parse_role(std::string_view text) noexcept;

struct access_token {
  role granted = role::read;
  std::string secret;
};

enum class access_decision : std::uint8_t {
  allowed,
  unauthenticated, ///< no token, or one that is not configured: 401
  forbidden,       ///< a configured token whose role is too low: 403
};

/// Equal contents, in time that depends only on the lengths: the secret
/// cannot be guessed byte by byte from response times.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

class access_policy {
public:
  explicit access_policy(std::vector<access_token> tokens);

  /// No token configured: every request is allowed (jobrtd then listens on
  /// loopback only).
  bool open() const noexcept { return tokens_.empty(); }

  /// The highest role of the tokens equal to `secret`. Compares against
  /// every token, whichever matches.
  std::optional<role> role_of(std::string_view secret) const noexcept;

  /// The role a request with this Authorization header ("" if none) has:
  /// admin when no token is configured, unset when it is not a known
  /// bearer token.
  std::optional<role> role_for(std::string_view authorization) const;

  /// `authorization` is the request's Authorization header ("" if none).
  access_decision decide(std::string_view authorization, role needed) const;

private:
  std::vector<access_token> tokens_;
};

} // namespace jobrtd
