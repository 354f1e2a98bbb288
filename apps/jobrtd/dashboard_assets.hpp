#pragma once

// The web dashboard's static files (apps/jobrtd/dashboard/), compiled into
// jobrtd at build time (embed_asset.cmake): serving it reads no file, and
// the page loads nothing from anywhere but this server. The files hold no
// data; the page asks for a token and calls the API like any client.

#include <optional>
#include <string_view>

namespace jobrtd {

struct dashboard_asset {
  std::string_view content_type;
  std::string_view body; ///< static storage: valid for the process's life
};

/// The file a request path names: "/" is index.html, "/dashboard/NAME" the
/// file NAME. Unset for any other path or an unknown name.
std::optional<dashboard_asset> find_dashboard_asset(std::string_view path);

/// The Content-Security-Policy every dashboard file is served with: scripts,
/// styles, images and connections from this origin only, so nothing from a
/// CDN or elsewhere can load, and no inline script runs.
inline constexpr std::string_view dashboard_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

} // namespace jobrtd
