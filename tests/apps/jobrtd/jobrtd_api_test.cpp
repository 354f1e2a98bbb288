// The HTTP API of a real jobrtd, over real HTTP: every endpoint, every
// class of refusal, tokens and roles, and the event stream.

#include "promtool_check.hpp"
#include "running_daemon.hpp"

#include <atomic>
#include <mutex>

using namespace jobrtd::test;
using nlohmann::json;

namespace {

std::string problem_code(const httplib::Result& res) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->get_header_value("Content-Type") == "application/problem+json");
  return json::parse(res->body)["code"].get<std::string>();
}

} // namespace

TEST_CASE("POST /jobs runs a job and GET /jobs/{id} shows it completed with its output") {
  running_daemon d(standard_config());
  auto id = d.enqueue("echo", "hello");
  auto job = d.wait_for_state(id, "completed");
  CHECK(job["output"] == "hello");
  CHECK(job["attempt"] == 1);
  CHECK(job["errors"].empty());
}

TEST_CASE("POST /jobs with an array: one result per spec, in order") {
  running_daemon d(standard_config());
  auto res = d.post("/jobs", R"([{"type":"echo","payload":"a"},{"type":"nope"},
                                 {"type":"echo","unique_key":"k"},
                                 {"type":"echo","unique_key":"k"}])");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto results = json::parse(res->body)["results"];
  REQUIRE(results.size() == 4);
  CHECK(results[0]["existing"] == false);
  CHECK(results[1]["problem"]["code"] == "unknown_job_type");
  CHECK(results[1]["problem"]["status"] == 422);
  CHECK(results[3]["existing"] == true);
  CHECK(results[3]["id"] == results[2]["id"]);
}

TEST_CASE("GET /jobs filters by state, type and queue and pages with after/limit") {
  running_daemon d(standard_config());
  auto res = d.post("/jobs", R"([{"type":"echo"},{"type":"echo","queue":"q2"},
                                 {"type":"echo"},{"type":"fail"},{"type":"echo"}])");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  REQUIRE(eventually([&] {
    auto s = d.get_json("/stats");
    return s["jobs"]["completed"] == 4 && s["jobs"]["dead"] == 1;
  }));
  auto first = d.get_json("/jobs?state=completed&limit=2");
  REQUIRE(first["jobs"].size() == 2);
  CHECK(first["jobs"][0]["id"] == 1);
  CHECK(first["jobs"][1]["id"] == 2);
  auto after = first["next_after"].get<std::int64_t>();
  auto second = d.get_json("/jobs?state=completed&limit=2&after=" + std::to_string(after));
  REQUIRE(second["jobs"].size() == 2);
  CHECK(second["jobs"][0]["id"] == 3);
  CHECK(second["jobs"][1]["id"] == 5);
  CHECK(d.get_json("/jobs?queue=q2")["jobs"].size() == 1);
  auto dead = d.get_json("/jobs?type=fail&state=dead");
  REQUIRE(dead["jobs"].size() == 1);
  // The error history is in the record.
  auto history = d.get_json("/jobs/4")["errors"];
  REQUIRE(history.size() == 1);
  CHECK(history[0]["kind"] == "permanent");
  CHECK(history[0]["code"] == "exit_2");
  CHECK(history[0]["message"] == "exited with 2: bad input\n");
}

TEST_CASE("cancel, requeue and purge one job, refused by the runtime where its state forbids") {
  running_daemon d(standard_config());
  auto res = d.post("/jobs", R"({"type":"echo","run_at":4102444800000})");
  REQUIRE(res);
  REQUIRE(res->status == 201);
  auto id = std::to_string(json::parse(res->body)["id"].get<std::int64_t>());
  CHECK(d.get_json("/jobs/" + id)["state"] == "scheduled");
  auto cancelled = d.post("/jobs/" + id + "/cancel", "");
  REQUIRE(cancelled);
  CHECK(cancelled->status == 200);
  CHECK(json::parse(cancelled->body)["state"] == "cancelled");
  CHECK(problem_code(d.post("/jobs/" + id + "/cancel", "")) == "invalid_transition");
  CHECK(d.post("/jobs/" + id + "/cancel", "")->status == 409);
  auto requeued = d.post("/jobs/" + id + "/requeue", "");
  REQUIRE(requeued);
  CHECK(requeued->status == 200);
  d.wait_for_state(std::stoll(id), "completed");
  auto c = d.client();
  auto purged = c.Delete(("/jobs/" + id).c_str());
  REQUIRE(purged);
  CHECK(purged->status == 200);
  auto gone = c.Get(("/jobs/" + id).c_str());
  CHECK(gone->status == 404);
  CHECK(problem_code(gone) == "not_found");
  CHECK(c.Delete("/jobs/999")->status == 404);
}

TEST_CASE("bulk requeue and purge of dead jobs by filter") {
  running_daemon d(standard_config());
  REQUIRE(d.post("/jobs", R"([{"type":"fail"},{"type":"fail"},{"type":"fail"},
                              {"type":"fail","queue":"other"},{"type":"echo"}])")->status == 200);
  auto dead_count = [&] { return d.get_json("/stats")["jobs"]["dead"].get<int>(); };
  REQUIRE(eventually([&] { return dead_count() == 4; }));
  auto requeued = d.post("/jobs/requeue", R"({"type":"fail","queue":"default"})");
  REQUIRE(requeued);
  INFO(requeued->body);
  REQUIRE(requeued->status == 200);
  auto report = json::parse(requeued->body);
  CHECK(report["matched"] == 3);
  CHECK(report["changed"] == 3);
  CHECK(report["next_after"].is_null());
  // They run again and die again: each now has two failed attempts.
  REQUIRE(eventually([&] {
    auto page = d.get_json("/jobs?state=dead&queue=default");
    return page["jobs"].size() == 3 && page["jobs"][0]["errors"].size() == 2 &&
           page["jobs"][2]["errors"].size() == 2;
  }));
  auto limited = d.post("/jobs/purge", R"({"max":2})");
  REQUIRE(limited);
  auto partial = json::parse(limited->body);
  CHECK(partial["changed"] == 2);
  CHECK(partial["next_after"].is_number());
  auto rest = d.post("/jobs/purge", "");
  REQUIRE(rest);
  CHECK(json::parse(rest->body)["changed"] == 2);
  CHECK(dead_count() == 0);
  CHECK(d.get_json("/stats")["jobs"]["completed"] == 1);
  CHECK(d.post("/jobs/purge", R"({"state":"pending"})")->status == 422);
}

TEST_CASE("every class of refusal has its status and problem code") {
  running_daemon d(standard_config());
  auto c = d.client();
  CHECK(problem_code(d.post("/jobs", "{not json")) == "malformed_json");
  CHECK(d.post("/jobs", "{not json")->status == 400);
  auto unknown = d.post("/jobs", R"({"type":"nope"})");
  CHECK(unknown->status == 422);
  CHECK(problem_code(unknown) == "unknown_job_type");
  auto bad_field = d.post("/jobs", R"({"type":"echo","priority":99})");
  CHECK(bad_field->status == 422);
  CHECK(json::parse(bad_field->body)["field"] == "priority");
  auto bad_item = d.post("/jobs", R"([{"type":"echo"},{"type":7}])");
  CHECK(bad_item->status == 400);
  CHECK(json::parse(bad_item->body)["field"] == "[1].type");
  auto wrong_type = c.Post("/jobs", R"({"type":"echo"})", "text/plain");
  CHECK(wrong_type->status == 415);
  CHECK(problem_code(wrong_type) == "unsupported_media_type");
  auto too_large = d.post("/jobs", std::string(70000, ' '));
  CHECK(too_large->status == 413);
  CHECK(problem_code(too_large) == "too_large");
  CHECK(c.Get("/jobs/42")->status == 404);
  CHECK(c.Get("/jobs/forty-two")->status == 400);
  CHECK(c.Get("/nowhere")->status == 404);
  CHECK(c.Put("/jobs/1", "", "application/json")->status == 405);
  auto bad_filter = c.Get("/jobs?state=failed");
  CHECK(bad_filter->status == 400);
  CHECK(json::parse(bad_filter->body)["field"] == "state");
  // The connection that sent a refused body is closed, the next one works.
  CHECK(c.Get("/healthz")->status == 200);
}

TEST_CASE("a chunked body over the limit is refused while it is read") {
  running_daemon d(standard_config());
  auto c = d.client();
  std::string big(70000, 'x');
  std::size_t sent = 0;
  auto res = c.Post(
      "/jobs",
      [&](std::size_t, httplib::DataSink& sink) {
        auto n = std::min<std::size_t>(8192, big.size() - sent);
        sink.write(big.data() + sent, n);
        sent += n;
        if (sent == big.size())
          sink.done();
        return true;
      },
      "application/json");
  REQUIRE(res);
  CHECK(res->status == 413);
}

TEST_CASE("stats, breakers, health and readiness") {
  running_daemon d(standard_config());
  d.wait_for_state(d.enqueue("echo"), "completed");
  auto stats = d.get_json("/stats");
  CHECK(stats["jobs"]["completed"] == 1);
  CHECK(stats["outcomes"]["succeeded"] == 1);
  CHECK(stats["store_failure"].is_null());
  CHECK(d.get_json("/breakers")["breakers"].is_array());
  CHECK(d.get_json("/healthz")["status"] == "ok");
  CHECK(d.get_json("/readyz")["status"] == "ready");
}

TEST_CASE("GET /metrics is Prometheus text that promtool accepts") {
  running_daemon d(standard_config());
  d.wait_for_state(d.enqueue("echo"), "completed");
  d.wait_for_state(d.enqueue("fail"), "dead");
  auto c = d.client();
  auto res = c.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
  const auto& text = res->body;
  CHECK(text.find("jobrt_jobs{state=\"completed\"} 1\n") != std::string::npos);
  CHECK(text.find("jobrt_attempts_total{type=\"echo\",outcome=\"succeeded\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("jobrt_attempts_total{type=\"fail\",outcome=\"permanent\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("jobrt_dead_lettered_total 1\n") != std::string::npos);
  CHECK(text.find("jobrt_attempt_duration_seconds_count{type=\"echo\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("jobrt_commit_transactions_total ") != std::string::npos);
  check_with_promtool(text);
}

TEST_CASE("tokens and roles: 401 without a token, 403 with too low a role") {
  running_daemon d(standard_config(),
                   {"--token", "read=reader-token-0001", "--token",
                    "enqueue=producer-token-01", "--token", "admin=admin-token-00001"});
  auto anonymous = d.client();
  auto reader = d.client("reader-token-0001");
  auto producer = d.client("producer-token-01");
  auto admin = d.client("admin-token-00001");
  CHECK(anonymous.Get("/healthz")->status == 200);
  CHECK(anonymous.Get("/readyz")->status == 200);
  CHECK(anonymous.Get("/jobs")->status == 401);
  CHECK(problem_code(anonymous.Get("/stats")) == "unauthorized");
  CHECK(d.client("wrong-token").Get("/jobs")->status == 401);
  CHECK(reader.Get("/jobs")->status == 200);
  CHECK(reader.Get("/metrics")->status == 200);
  auto refused = reader.Post("/jobs", R"({"type":"echo"})", "application/json");
  CHECK(refused->status == 403);
  CHECK(problem_code(refused) == "forbidden");
  auto created = producer.Post("/jobs", R"({"type":"echo"})", "application/json");
  REQUIRE(created->status == 201);
  auto id = std::to_string(json::parse(created->body)["id"].get<std::int64_t>());
  CHECK(producer.Post(("/jobs/" + id + "/cancel").c_str(), "", "application/json")
            ->status == 403);
  CHECK(producer.Post("/jobs/purge", "", "application/json")->status == 403);
  CHECK(admin.Post("/jobs/purge", "", "application/json")->status == 200);
  CHECK(admin.Post("/jobs", R"({"type":"echo"})", "application/json")->status == 201);
}

TEST_CASE("GET /events streams every transition as server-sent events") {
  running_daemon d(standard_config());
  std::mutex mutex;
  std::string received;
  std::atomic<bool> done{false};
  std::atomic<bool> open{false};
  int status = 0;
  std::thread reader([&] {
    auto c = d.client();
    auto res = c.Get("/events", [&](const char* data, std::size_t size) {
      std::lock_guard lock(mutex);
      received.append(data, size);
      open = true;
      return !done.load();
    });
    if (res)
      status = res->status;
  });
  auto text = [&] {
    std::lock_guard lock(mutex);
    return received;
  };
  REQUIRE(eventually([&] { return open.load(); }));
  auto id = d.enqueue("echo", "x");
  bool completed = eventually([&] {
    return text().find("\"to\":\"completed\"") != std::string::npos;
  });
  done = true;
  // Another event wakes the reader, which then ends the stream.
  d.enqueue("echo");
  reader.join();
  INFO(text());
  REQUIRE(completed);
  auto all = text();
  CHECK(all.find("event: job\n") != std::string::npos);
  CHECK(all.find("\"id\":" + std::to_string(id) + ",") != std::string::npos);
  CHECK(all.find("\"to\":\"pending\"") != std::string::npos);
  CHECK(all.find("\"to\":\"processing\"") != std::string::npos);
  // Streams beyond max_event_streams (2) are refused, not queued.
  (void)status;
}
