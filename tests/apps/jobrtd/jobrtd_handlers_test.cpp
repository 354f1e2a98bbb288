// The built-in handlers inside a real jobrtd: exec with a program that
// hangs (timed out, killed, retried, dead), http against a local endpoint
// that fails and then recovers, and the example plug-in.

#include "running_daemon.hpp"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <mutex>

using namespace jobrtd::test;
using nlohmann::json;

namespace {

/// A webhook receiver on 127.0.0.1: answers each request with the next
/// status of `script` (then 200 for ever) and records what it got.
class webhook_endpoint {
public:
  explicit webhook_endpoint(std::vector<int> script) : script_(std::move(script)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
      arrivals_.push_back(clock_type::now());
      auto n = requests_.size();
      res.status = n <= script_.size() ? script_[n - 1] : 200;
      if (res.status == 503)
        res.set_header("Retry-After", "0");
      res.set_content(res.status == 200 ? "delivered" : "try later", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is ignored until the loop runs.
    REQUIRE(eventually([this] { return server_.is_running(); }));
  }
  ~webhook_endpoint() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<httplib::Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<clock_type::time_point> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }

private:
  httplib::Server server_;
  std::vector<int> script_;
  mutable std::mutex mutex_;
  std::vector<httplib::Request> requests_;
  std::vector<clock_type::time_point> arrivals_;
  int port_ = 0;
  std::thread thread_;
};

std::string webhook_type(const std::string& url) {
  return R"(
[types.webhook]
handler = "http"
[types.webhook.http]
url = ")" + url + R"("
timeout = "5s"
[types.webhook.http.headers]
X-Test = "yes"
[types.webhook.retry]
max_attempts = 5
[types.webhook.retry.backoff]
kind = "fixed"
delay = "50ms"
)";
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

pid_t pid_in(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

} // namespace

TEST_CASE("exec: a hung program is stopped at its timeout, killed, retried, then dead") {
  running_daemon d(standard_config());
  auto id = d.enqueue("hang");
  auto job = d.wait_for_state(id, "dead");
  CHECK(job["attempt"] == 2);
  REQUIRE(job["errors"].size() == 2);
  for (const auto& e : job["errors"])
    CHECK(e["kind"] == "timeout");
  // Both programs ignored SIGTERM; SIGKILL ended them after the grace.
  for (int attempt : {1, 2}) {
    auto pid = pid_in(d.dir().file("pid." + std::to_string(attempt)));
    REQUIRE(pid > 0);
    CHECK(eventually([&] { return process_gone(pid); }));
  }
}

TEST_CASE("http: an endpoint that fails, then recovers, gets the job delivered") {
  webhook_endpoint endpoint({503, 500});
  running_daemon d(standard_config(webhook_type(endpoint.url())));
  auto id = d.enqueue("webhook", R"({"event":"paid"})");
  auto job = d.wait_for_state(id, "completed");
  CHECK(job["attempt"] == 3);
  CHECK(job["output"] == "delivered");
  REQUIRE(job["errors"].size() == 2);
  CHECK(job["errors"][0]["code"] == "http_503");
  CHECK(job["errors"][0]["kind"] == "transient");
  CHECK(job["errors"][1]["code"] == "http_500");
  auto seen = endpoint.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[2].body == R"({"event":"paid"})");
  CHECK(seen[2].get_header_value("Content-Type") == "application/json");
  CHECK(seen[2].get_header_value("X-Test") == "yes");
  CHECK(seen[2].get_header_value("X-Jobrt-Job-Id") == std::to_string(id));
  CHECK(seen[2].get_header_value("X-Jobrt-Attempt") == "3");
  CHECK(seen[0].get_header_value("Idempotency-Key") ==
        seen[2].get_header_value("Idempotency-Key"));
}

TEST_CASE("http: an outage trips the breaker, no attempt is spent while it is open, a probe closes it") {
  webhook_endpoint endpoint({503, 503});
  running_daemon d(standard_config(webhook_type(endpoint.url()) + R"(
[types.webhook.breaker]
cooldown = "500ms"
[types.webhook.breaker.window]
kind = "count"
calls = 10
[types.webhook.breaker.threshold]
kind = "count"
failures = 2
)"));
  auto id = d.enqueue("webhook", "{}");
  auto job = d.wait_for_state(id, "completed");
  // Two failures tripped it; the job then waited, pending, through the
  // cooldown, and its third attempt was the half-open probe.
  CHECK(job["attempt"] == 3);
  auto arrivals = endpoint.arrivals();
  REQUIRE(arrivals.size() == 3);
  CHECK(arrivals[2] - arrivals[1] >= 450ms);
  auto breakers = d.get_json("/breakers")["breakers"];
  REQUIRE(breakers.size() == 1);
  CHECK(breakers[0]["key"] == "webhook");
  CHECK(breakers[0]["state"] == "closed");
  auto c = d.client();
  auto metrics = c.Get("/metrics")->body;
  CHECK(metrics.find("jobrt_breaker_trips_total{key=\"webhook\"} 1\n") != std::string::npos);
  CHECK(metrics.find("jobrt_breaker_state{key=\"webhook\",state=\"closed\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("http: a 4xx other than 408/425/429 is permanent: dead after one attempt") {
  webhook_endpoint endpoint({410});
  running_daemon d(standard_config(webhook_type(endpoint.url())));
  auto job = d.wait_for_state(d.enqueue("webhook", "{}"), "dead");
  CHECK(job["attempt"] == 1);
  CHECK(job["errors"][0]["code"] == "http_410");
  CHECK(job["errors"][0]["kind"] == "permanent");
}

TEST_CASE("http: an endpoint that is down is a transient connection failure") {
  std::string url;
  {
    webhook_endpoint closed({});
    url = closed.url();
  }
  running_daemon d(standard_config(webhook_type(url) + R"(
[types.webhook.breaker]
enabled = false
)"));
  auto res = d.post("/jobs", R"({"type":"webhook","max_attempts":2})");
  REQUIRE(res->status == 201);
  auto id = json::parse(res->body)["id"].get<std::int64_t>();
  auto job = d.wait_for_state(id, "dead");
  REQUIRE(job["errors"].size() == 2);
  CHECK(job["errors"][0]["code"] == "connection");
  CHECK(job["errors"][0]["kind"] == "transient");
}

TEST_CASE("plugin: the example plug-in's reverse runs inside the daemon") {
  running_daemon d(standard_config());
  auto job = d.wait_for_state(d.enqueue("reverse", "stressed"), "completed");
  CHECK(job["output"] == "desserts");
  auto empty = d.wait_for_state(d.enqueue("reverse", ""), "dead");
  CHECK(empty["errors"][0]["code"] == "empty_payload");
}
