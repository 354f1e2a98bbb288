#pragma once

// GET /whoami: the role a request's token has, so a client (the dashboard)
// can tell whether it must ask for a token and which controls to offer,
// without trying a call that would be refused. Always 200:
// {"role":"admin"|"enqueue"|"read"|null,"tokens_required":true|false}.
// The server still checks every request's role itself.

#include "access_control.hpp"
#include "api_response.hpp"

#include <string_view>

namespace jobrtd {

/// `authorization` is the request's Authorization header ("" if none).
api_response whoami(const access_policy& access, std::string_view authorization);

} // namespace jobrtd
