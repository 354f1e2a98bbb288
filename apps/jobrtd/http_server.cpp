#include "http_server.hpp"

#include "api_routes.hpp"
#include "dashboard_assets.hpp"
#include "socket_timeout.hpp"
#include "whoami.hpp"

#include "cli/decimal_arg.hpp"

#include <httplib.h>
#include <limits>
#include <spdlog/spdlog.h>

namespace jobrtd {

namespace {

using namespace std::chrono_literals;

/// How long an idle event stream waits before writing a comment line,
/// which also finds clients that went away.
constexpr auto heartbeat = 15s;
constexpr auto stream_poll = 1s;

void write(httplib::Response& res, const api_response& answer) {
  res.status = answer.status;
  res.set_content(answer.body, answer.content_type.c_str());
  if (answer.close_connection)
    res.set_header("Connection", "close");
}

void write_dashboard_file(httplib::Response& res, std::string_view path) {
  auto asset = find_dashboard_asset(path);
  if (!asset) {
    write(res, respond({404, "no_route", "no dashboard file at " + std::string(path),
                        "", 0}));
    return;
  }
  res.set_header("Content-Security-Policy", std::string(dashboard_security_policy));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  // Revalidated on each load, so a new jobrtd never runs yesterday's script.
  res.set_header("Cache-Control", "no-cache");
  // A browser loads the files over several connections at once; kept alive,
  // each would hold a request thread until keep_alive_timeout.
  res.set_header("Connection", "close");
  res.set_content(asset->body.data(), asset->body.size(),
                  std::string(asset->content_type));
}

request_head head_of(const httplib::Request& req) {
  request_head head;
  head.method = req.method;
  head.path = req.path;
  if (req.has_header("Authorization"))
    head.authorization = req.headers.find("Authorization")->second;
  if (req.has_header("Content-Type"))
    head.content_type = req.headers.find("Content-Type")->second;
  if (req.has_header("Content-Length")) {
    auto n = jobrt::cli::parse_decimal_arg(
        "Content-Length", req.headers.find("Content-Length")->second);
    // An unparseable length: say it is huge, so the body is never read.
    head.content_length = n ? n.value() : std::numeric_limits<std::uint64_t>::max();
  }
  head.chunked = req.get_header_value("Transfer-Encoding").find("chunked") !=
                 std::string::npos;
  return head;
}

/// One SSE connection: frames from its stream until the stream ends or the
/// client goes away.
class stream_writer {
public:
  explicit stream_writer(std::shared_ptr<event_stream> stream)
    : stream_(std::move(stream)) {}

  bool operator()(std::size_t, httplib::DataSink& sink) {
    if (!greeted_) {
      greeted_ = true;
      return send(sink, "retry: 1000\n: jobrtd events\n\n");
    }
    auto frames = stream_->take(stream_poll);
    if (stream_->state() == event_stream::status::dropped) {
      send(sink, "event: dropped\ndata: {\"reason\":\"the client fell behind\"}\n\n");
      sink.done();
      return true;
    }
    if (stream_->state() == event_stream::status::closed) {
      sink.done();
      return true;
    }
    for (const auto& f : frames)
      if (!send(sink, f))
        return false;
    idle_ = frames.empty() ? idle_ + stream_poll : jobrt::duration::zero();
    if (idle_ >= heartbeat) {
      idle_ = jobrt::duration::zero();
      return send(sink, ": keep-alive\n\n");
    }
    return true;
  }

private:
  static bool send(httplib::DataSink& sink, std::string_view text) {
    return sink.write(text.data(), text.size());
  }

  std::shared_ptr<event_stream> stream_;
  bool greeted_ = false;
  jobrt::duration idle_{};
};

} // namespace

http_server::http_server(const server_config& config, const access_policy& access,
                         job_api& api, event_hub& hub, spdlog::logger& log)
  : config_(config), access_(access), api_(api), hub_(hub), log_(log),
    server_(std::make_unique<httplib::Server>()) {
  auto threads = config_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  auto [rs, rus] = seconds_and_micros(config_.read_timeout);
  server_->set_read_timeout(rs, rus);
  auto [ws, wus] = seconds_and_micros(config_.write_timeout);
  server_->set_write_timeout(ws, wus);
  server_->set_keep_alive_timeout(std::max<time_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(config_.keep_alive_timeout)
             .count()));
  server_->set_keep_alive_max_count(config_.keep_alive_max_requests);
  server_->set_payload_max_length(config_.max_body_bytes);
  // httplib writes a response's headers and body separately: with Nagle
  // on, the body waits for the client's delayed ACK (~40 ms a request).
  server_->set_tcp_nodelay(true);
  install_routes();
}

http_server::~http_server() { stop(); }

void http_server::install_routes() {
  auto max_body = config_.max_body_bytes;
  server_->set_pre_routing_handler(
      [this, max_body](const httplib::Request& req, httplib::Response& res) {
        auto head = head_of(req);
        auto admitted = admit(head, access_, max_body);
        if (admitted)
          return httplib::Server::HandlerResponse::Unhandled;
        auto answer = respond(admitted.error());
        // The body, if any, is left unread: the connection cannot be reused.
        answer.close_connection = head.chunked || head.content_length.value_or(0) > 0;
        write(res, answer);
        return httplib::Server::HandlerResponse::Handled;
      });
  auto serve = [this](const httplib::Request& req, httplib::Response& res) {
    serve_request(req, res, req.body);
  };
  // POST bodies are read here, not by the library: it would read a chunked
  // body whole whatever its size.
  auto serve_post = [this, max_body](const httplib::Request& req,
                                     httplib::Response& res,
                                     const httplib::ContentReader& reader) {
    auto head = head_of(req);
    std::string body;
    bool too_large = false;
    if (head.chunked || head.content_length.value_or(0) > 0)
      reader([&](const char* data, std::size_t size) {
        too_large = body.size() + size > max_body;
        if (!too_large)
          body.append(data, size);
        return !too_large;
      });
    if (too_large) {
      auto answer = respond({413, "too_large",
                             "the body is larger than the limit of " +
                                 std::to_string(max_body) + " bytes",
                             "", 0});
      answer.close_connection = true;
      write(res, answer);
      return;
    }
    serve_request(req, res, body);
  };
  server_->Get(".*", serve);
  server_->Post(".*", serve_post);
  server_->Delete(".*", serve);
  // Answers the library makes itself (413 for a chunked body over the
  // limit, 400 for a request it cannot parse) get a problem body too.
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty())
      return httplib::Server::HandlerResponse::Unhandled;
    auto code = res.status == 413 ? "too_large" : "http_" + std::to_string(res.status);
    write(res, respond({res.status, code,
                        "the server refused the request (" +
                            std::to_string(res.status) + ")",
                        "", 0}));
    return httplib::Server::HandlerResponse::Handled;
  }));
  server_->set_exception_handler(
      [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr e) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          what = x.what();
        } catch (...) {
        }
        log_.error("{} {}: {}", req.method, req.path, what);
        write(res, respond({500, "internal", what, "", 0}));
      });
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    log_.debug("{} {} -> {}", req.method, req.path, res.status);
  });
}

void http_server::serve_request(const httplib::Request& req, httplib::Response& res,
                                std::string_view body) {
  auto matched = match_route(req.method, req.path);
  if (!matched) {
    write(res, respond(matched.error()));
    return;
  }
  switch (matched.value().target) {
    case endpoint::events: break;
    case endpoint::dashboard: write_dashboard_file(res, req.path); return;
    case endpoint::whoami:
      write(res, whoami(access_, req.get_header_value("Authorization")));
      return;
    default: write(res, api_.handle(matched.value(), req.params, body)); return;
  }
  auto stream = hub_.open();
  if (!stream) {
    write(res, respond({503, "too_many_streams",
                        "every event stream slot is taken (server.max_event_streams)",
                        "", 0}));
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", stream_writer(stream),
                                   [this, stream](bool) { hub_.release(stream); });
}

jobrt::result<std::uint16_t, std::string>
http_server::bind(const listen_address& address) {
  if (address.port == 0) {
    int port = server_->bind_to_any_port(address.host);
    if (port <= 0)
      return "cannot listen on " + to_string(address);
    return static_cast<std::uint16_t>(port);
  }
  if (!server_->bind_to_port(address.host, address.port))
    return "cannot listen on " + to_string(address);
  return address.port;
}

void http_server::start() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing before its loop runs (and the loop would
  // then never end): return only once it does.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
}

void http_server::stop() {
  hub_.close_all();
  server_->stop();
  if (thread_.joinable())
    thread_.join();
}

} // namespace jobrtd
