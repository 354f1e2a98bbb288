// The API's routes and the checks made before a body is read.

#include "api_routes.hpp"

#include <catch2/catch.hpp>

using namespace jobrtd;

namespace {

route matched(std::string_view method, std::string_view path) {
  auto r = match_route(method, path);
  REQUIRE(r);
  return r.value();
}

int refused(std::string_view method, std::string_view path) {
  auto r = match_route(method, path);
  REQUIRE_FALSE(r);
  return r.error().status;
}

} // namespace

TEST_CASE("every path and method of the API has its endpoint") {
  CHECK(matched("POST", "/jobs") == route{endpoint::enqueue, 0});
  CHECK(matched("GET", "/jobs") == route{endpoint::list_jobs, 0});
  CHECK(matched("GET", "/jobs/") == route{endpoint::list_jobs, 0});
  CHECK(matched("GET", "/jobs/42") == route{endpoint::get_job, 42});
  CHECK(matched("DELETE", "/jobs/42") == route{endpoint::purge_job, 42});
  CHECK(matched("POST", "/jobs/42/cancel") == route{endpoint::cancel_job, 42});
  CHECK(matched("POST", "/jobs/42/requeue") == route{endpoint::requeue_job, 42});
  CHECK(matched("POST", "/jobs/requeue") == route{endpoint::bulk_requeue, 0});
  CHECK(matched("POST", "/jobs/purge") == route{endpoint::bulk_purge, 0});
  CHECK(matched("GET", "/stats").target == endpoint::stats);
  CHECK(matched("GET", "/breakers").target == endpoint::breakers);
  CHECK(matched("GET", "/events").target == endpoint::events);
  CHECK(matched("GET", "/metrics").target == endpoint::metrics);
  CHECK(matched("GET", "/healthz").target == endpoint::healthz);
  CHECK(matched("HEAD", "/readyz").target == endpoint::readyz);
  CHECK(matched("GET", "/whoami").target == endpoint::whoami);
  CHECK(matched("GET", "/").target == endpoint::dashboard);
  CHECK(matched("GET", "/dashboard/dashboard.js").target == endpoint::dashboard);
}

TEST_CASE("unknown paths are 404, wrong methods 405, bad ids 400") {
  CHECK(refused("POST", "/") == 405);
  CHECK(refused("GET", "/dashboard") == 404);
  CHECK(refused("GET", "/dashboard/a/b.js") == 404);
  CHECK(refused("GET", "/job") == 404);
  CHECK(refused("GET", "/jobs/1/cancel/now") == 404);
  CHECK(refused("POST", "/jobs/1/retry") == 404);
  CHECK(refused("DELETE", "/jobs") == 405);
  CHECK(refused("GET", "/jobs/1/cancel") == 405);
  CHECK(refused("PUT", "/jobs/1") == 405);
  CHECK(refused("POST", "/stats") == 405);
  CHECK(refused("GET", "/jobs/abc") == 400);
  CHECK(refused("GET", "/jobs/0") == 400);
  CHECK(refused("GET", "/jobs/-1") == 400);
  CHECK(refused("GET", "/jobs/99999999999999999999") == 400);
}

TEST_CASE("roles per endpoint: health is public, changes need admin") {
  CHECK_FALSE(required_role(endpoint::healthz));
  CHECK_FALSE(required_role(endpoint::readyz));
  CHECK_FALSE(required_role(endpoint::whoami));
  CHECK_FALSE(required_role(endpoint::dashboard));
  CHECK(required_role(endpoint::list_jobs) == role::read);
  CHECK(required_role(endpoint::metrics) == role::read);
  CHECK(required_role(endpoint::events) == role::read);
  CHECK(required_role(endpoint::enqueue) == role::enqueue);
  for (auto e : {endpoint::cancel_job, endpoint::requeue_job, endpoint::purge_job,
                 endpoint::bulk_requeue, endpoint::bulk_purge})
    CHECK(required_role(e) == role::admin);
}

TEST_CASE("admit refuses before the body is read") {
  access_policy access({{role::enqueue, "producer-secret"}});
  request_head head;
  head.method = "POST";
  head.path = "/jobs";
  head.content_type = "application/json";
  head.content_length = 10;
  auto status = [&] {
    auto r = admit(head, access, 1000);
    return r ? 0 : r.error().status;
  };
  CHECK(status() == 401);
  head.authorization = "Bearer producer-secret";
  CHECK(status() == 0);
  head.content_length = 1001;
  CHECK(status() == 413);
  head.content_length = 10;
  head.content_type = "text/plain";
  CHECK(status() == 415);
  head.content_type = "Application/JSON; charset=utf-8";
  CHECK(status() == 0);
  head.content_length = 0;
  CHECK(status() == 400);
  head.path = "/jobs/7/cancel";
  CHECK(status() == 403);
  head.method = "GET";
  head.path = "/healthz";
  head.authorization = "";
  CHECK(status() == 0);
}

TEST_CASE("json media types") {
  CHECK(is_json_media_type("application/json"));
  CHECK(is_json_media_type("application/json ; charset=utf-8"));
  CHECK_FALSE(is_json_media_type("application/jsonx"));
  CHECK_FALSE(is_json_media_type("text/json"));
  CHECK_FALSE(is_json_media_type(""));
}
