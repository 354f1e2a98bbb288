#pragma once

// The `http` handler: delivers the payload to a URL (webhooks, an outbox).
// One request per attempt, with the configured method, headers and content
// type, plus X-Jobrt-Job-Id, X-Jobrt-Attempt and an Idempotency-Key that
// stays the same across a job's attempts ("jobrt-<id>"), so the receiver
// can drop duplicates. http_outcome.hpp says what each answer means.
// Connect, send and receive are each bounded by the configured timeout and
// by the attempt's own.

#include "handler_config.hpp"

#include "jobrt/messages/job_context.hpp"

#include <string>
#include <string_view>

namespace jobrtd {

/// "http://host:8080/hook?x=1" → {"http://host:8080", "/hook?x=1"}; the
/// path is "/" when the URL has none.
struct url_parts {
  std::string origin;
  std::string target;

  friend bool operator==(const url_parts&, const url_parts&) = default;
};
url_parts split_url(std::string_view url);

jobrt::job_handler make_http_handler(http_config config);

} // namespace jobrtd
