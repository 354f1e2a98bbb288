// The handler API's result type: a handler returns a job_output or a typed
// job_error, and helpers compose with BOOST_OUTCOME_TRY without exceptions.

#include "jobrt/messages/job.hpp"
#include "jobrt/messages/job_json.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobrt;

namespace {

// A handler's helper: finds the recipient in the payload or fails for good.
result<std::string, job_error> recipient_of(const std::string& payload) {
  const auto v = nlohmann::json::parse(payload, nullptr, false);
  if (v.is_discarded() || !v.contains("to") || !v["to"].is_string())
    return job_error::permanent("bad_payload", "no recipient in " + payload);
  return v["to"].get<std::string>();
}

// A handler as a service writes one: a plain function returning job_result.
job_result send_welcome(const std::string& payload, bool smtp_up) {
  BOOST_OUTCOME_TRY(to, recipient_of(payload)); // Boost 1.74: declares `to`
  if (!smtp_up)
    return job_error::transient("smtp_down", "no route to mail relay");
  return job_output{"sent to " + to};
}

} // namespace

TEST_CASE("a handler's success carries its output") {
  const auto r = send_welcome(R"({"to":"ada@example.com"})", true);
  REQUIRE(r.has_value());
  CHECK(r.value() == job_output{"sent to ada@example.com"});
}

TEST_CASE("a handler's own failure comes back as a typed job_error") {
  const auto r = send_welcome(R"({"to":"ada@example.com"})", false);
  REQUIRE(r.has_error());
  CHECK(r.error() == job_error::transient("smtp_down", "no route to mail relay"));
  CHECK(is_retryable(r.error().kind));
}

TEST_CASE("a helper's failure propagates through BOOST_OUTCOME_TRY unchanged") {
  const auto r = send_welcome(R"({"subject":"hi"})", true);
  REQUIRE(r.has_error());
  CHECK(r.error().kind == error_kind::permanent);
  CHECK(r.error().code == "bad_payload");
  CHECK_FALSE(is_retryable(r.error().kind));
}

TEST_CASE("runtime-made errors use jobrt's own codes and kinds") {
  const auto timed_out = job_error::timeout("deadline passed");
  CHECK(timed_out.kind == error_kind::timeout);
  CHECK(timed_out.code == error_codes::timeout);
  CHECK(timed_out.message == "deadline passed");
  CHECK_FALSE(timed_out.retry_after);

  const auto abandoned = job_error::abandoned("owner crashed");
  CHECK(abandoned.kind == error_kind::abandoned);
  CHECK(abandoned.code == error_codes::abandoned);
  CHECK(is_retryable(abandoned.kind));
  CHECK_FALSE(counts_for_breaker(abandoned.kind));
}
