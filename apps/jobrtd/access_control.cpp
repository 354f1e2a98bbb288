#include "access_control.hpp"

#include <algorithm>
#include <cctype>

namespace jobrtd {

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::read: return "read";
    case role::enqueue: return "enqueue";
    case role::admin: return "admin";
  }
  return "unknown";
}

std::optional<role> parse_role(std::string_view text) noexcept {
  for (auto r : {role::read, role::enqueue, role::admin})
    if (text == to_string(r))
      return r;
  return std::nullopt;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Every byte of the longer one is visited; a length difference alone
  // makes the result false without an early exit.
  auto longest = std::max(a.size(), b.size());
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < longest; ++i) {
    auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference |= static_cast<unsigned char>(x ^ y);
  }
  return difference == 0;
}

access_policy::access_policy(std::vector<access_token> tokens)
  : tokens_(std::move(tokens)) {}

std::optional<role> access_policy::role_of(std::string_view secret) const noexcept {
  std::optional<role> best;
  for (const auto& t : tokens_)
    if (constant_time_equal(t.secret, secret) && (!best || t.granted > *best))
      best = t.granted;
  return best;
}

std::optional<role> access_policy::role_for(std::string_view authorization) const {
  if (open())
    return role::admin;
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), authorization.begin(),
                  [](char x, char y) {
                    return std::tolower(static_cast<unsigned char>(x)) ==
                           std::tolower(static_cast<unsigned char>(y));
                  }))
    return std::nullopt;
  return role_of(authorization.substr(scheme.size()));
}

access_decision access_policy::decide(std::string_view authorization,
                                      role needed) const {
  auto granted = role_for(authorization);
  if (!granted)
    return access_decision::unauthenticated;
  return *granted >= needed ? access_decision::allowed
                            : access_decision::forbidden;
}

} // namespace jobrtd
