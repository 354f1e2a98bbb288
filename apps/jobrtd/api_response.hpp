#pragma once

// What one API call answers, before the HTTP server writes it: a status,
// a content type and a body. Plain values, so the API is tested without a
// socket.

#include <string>

namespace jobrtd {

struct api_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Set when the connection must close after this response (the request's
  /// body was refused unread).
  bool close_connection = false;
};

} // namespace jobrtd
