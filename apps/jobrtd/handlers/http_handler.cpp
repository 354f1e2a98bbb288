#include "http_handler.hpp"

#include "http_outcome.hpp"
#include "socket_timeout.hpp"

#include <httplib.h>

#include <algorithm>

namespace jobrtd {

url_parts split_url(std::string_view url) {
  auto scheme_end = url.find("://");
  auto authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  auto slash = url.find_first_of("/?", authority);
  if (slash == std::string_view::npos)
    return {std::string(url), "/"};
  auto target = std::string(url.substr(slash));
  if (target.front() == '?')
    target.insert(0, "/");
  return {std::string(url.substr(0, slash)), target};
}

namespace {

void set_timeouts(httplib::Client& client, jobrt::duration limit) {
  auto [s, us] = seconds_and_micros(limit);
  client.set_connection_timeout(s, us);
  client.set_read_timeout(s, us);
  client.set_write_timeout(s, us);
}

jobrt::job_result deliver(const http_config& c, const url_parts& url,
                          const jobrt::job_context& ctx) {
  httplib::Client client(url.origin);
  set_timeouts(client, std::min(c.timeout, ctx.job().timeout));
  client.set_tcp_nodelay(true); // headers and body go out as separate writes
  httplib::Request request;
  request.method = c.method;
  request.path = url.target;
  for (const auto& [name, value] : c.headers)
    request.headers.emplace(name, value);
  request.headers.emplace("X-Jobrt-Job-Id", std::to_string(ctx.id()));
  request.headers.emplace("X-Jobrt-Attempt", std::to_string(ctx.attempt()));
  request.headers.emplace("Idempotency-Key", "jobrt-" + std::to_string(ctx.id()));
  request.headers.emplace("Content-Type", c.content_type);
  request.body = std::string(ctx.payload());
  auto response = client.send(request);
  if (!response) {
    auto error = response.error();
    bool timed_out = error == httplib::Error::Read || error == httplib::Error::Write ||
                     error == httplib::Error::ConnectionTimeout;
    return classify_http_failure(timed_out, c.method + " " + c.url + ": " +
                                                httplib::to_string(error));
  }
  auto body = std::move(response->body);
  if (body.size() > c.output_limit)
    body.resize(c.output_limit);
  return classify_http_response(response->status,
                                response->get_header_value("Retry-After"),
                                std::move(body), jobrt::wall_clock_now());
}

} // namespace

jobrt::job_handler make_http_handler(http_config config) {
  auto url = split_url(config.url);
  return [config = std::move(config), url](jobrt::job_context& ctx) {
    return deliver(config, url, ctx);
  };
}

} // namespace jobrtd
