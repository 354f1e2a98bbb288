// Every runtime refusal and every decoding error has one HTTP status, and
// its problem document carries the runtime's code and the field.

#include "problem.hpp"

#include <catch2/catch.hpp>

using namespace jobrtd;
using code = jobrt::request_error::code_type;

TEST_CASE("each request_error code maps to its status") {
  CHECK(http_status_of(code::invalid_spec) == 400);
  CHECK(http_status_of(code::unknown_job_type) == 422);
  CHECK(http_status_of(code::not_found) == 404);
  CHECK(http_status_of(code::invalid_transition) == 409);
  CHECK(http_status_of(code::conflict) == 409);
  CHECK(http_status_of(code::too_large) == 413);
  CHECK(http_status_of(code::store_failure) == 503);
  CHECK(http_status_of(code::shutting_down) == 503);
  CHECK(http_status_of(code::not_started) == 503);
  CHECK(http_status_of(code::timeout) == 504);
  CHECK(http_status_of(code::invalid_config) == 500);
}

TEST_CASE("decoding errors: not JSON or the wrong shape 400, a broken rule 422") {
  using j = jobrt::json_error::code_type;
  CHECK(http_status_of(j::malformed) == 400);
  CHECK(http_status_of(j::missing_field) == 400);
  CHECK(http_status_of(j::wrong_type) == 400);
  CHECK(http_status_of(j::out_of_range) == 422);
  CHECK(http_status_of(j::unknown_name) == 422);
  CHECK(http_status_of(j::invalid_value) == 422);
}

TEST_CASE("a problem document has the runtime's code, the id and the field") {
  auto p = problem_of(jobrt::request_error{code::invalid_transition, "no", 7});
  auto doc = to_json(p);
  CHECK(doc["status"] == 409);
  CHECK(doc["code"] == "invalid_transition");
  CHECK(doc["type"] == "urn:jobrt:problem:invalid_transition");
  CHECK(doc["detail"] == "no");
  CHECK(doc["id"] == 7);
  CHECK_FALSE(doc.contains("field"));
  auto r = respond(p);
  CHECK(r.content_type == "application/problem+json");

  auto spec = jobrt::parse_job_spec(R"({"type":"x","priority":99})");
  REQUIRE_FALSE(spec);
  auto field = to_json(problem_of(spec.error(), "[3]"));
  CHECK(field["field"] == "[3].priority");
  CHECK(field["status"] == 422);
  auto missing = jobrt::parse_job_spec(R"({"queue":"q"})");
  CHECK(to_json(problem_of(missing.error()))["field"] == "type");
  auto malformed = jobrt::parse_job_spec("{");
  CHECK(to_json(problem_of(malformed.error()))["code"] == "malformed_json");
}
