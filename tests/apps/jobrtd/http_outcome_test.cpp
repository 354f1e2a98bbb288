// What each answer of a webhook endpoint means for the attempt, and the
// Retry-After hint.

#include "handlers/http_handler.hpp"
#include "handlers/http_outcome.hpp"

#include <catch2/catch.hpp>

using namespace jobrtd;
using namespace std::chrono_literals;

namespace {

const jobrt::time_point now{std::chrono::seconds(1445412480)}; // 2015-10-21 07:28:00Z

} // namespace

TEST_CASE("2xx succeeds with the body as the output") {
  for (int status : {200, 201, 202, 204, 299}) {
    auto r = classify_http_response(status, "", "ok", now);
    REQUIRE(r);
    CHECK(r.value().data == "ok");
  }
}

TEST_CASE("408, 425, 429 and 5xx are transient, other statuses permanent") {
  for (int status : {408, 425, 429, 500, 502, 503, 504, 599}) {
    auto r = classify_http_response(status, "", "", now);
    CHECK(r.error().kind == jobrt::error_kind::transient);
    CHECK(r.error().code == "http_" + std::to_string(status));
  }
  for (int status : {301, 400, 401, 403, 404, 410, 422}) {
    auto r = classify_http_response(status, "", "", now);
    CHECK(r.error().kind == jobrt::error_kind::permanent);
  }
  CHECK(classify_http_response(404, "", "no such hook", now).error().message ==
        "the endpoint answered 404: no such hook");
}

TEST_CASE("Retry-After becomes the retry_after hint") {
  auto seconds = classify_http_response(429, "120", "", now);
  CHECK(seconds.error().retry_after == 120s);
  auto date = classify_http_response(503, "Wed, 21 Oct 2015 07:30:00 GMT", "", now);
  CHECK(date.error().retry_after == 120s);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0ms);
  CHECK(parse_retry_after(" 5 ", now) == 5s);
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("1.5", now));
  CHECK(parse_retry_after("999999999", now) == std::nullopt);
  CHECK_FALSE(classify_http_response(503, "soon", "", now).error().retry_after);
}

TEST_CASE("no answer is transient: connection or timeout") {
  CHECK(classify_http_failure(false, "refused").code == "connection");
  CHECK(classify_http_failure(true, "read").code == "timeout");
  CHECK(classify_http_failure(true, "read").kind == jobrt::error_kind::transient);
}

TEST_CASE("URLs split into origin and target") {
  CHECK(split_url("http://h:8080/hook?x=1") == url_parts{"http://h:8080", "/hook?x=1"});
  CHECK(split_url("https://h") == url_parts{"https://h", "/"});
  CHECK(split_url("http://h?x") == url_parts{"http://h", "/?x"});
}
