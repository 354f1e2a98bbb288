#include "jobrt/messages/job_error.hpp"
#include "jobrt/messages/job_state.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobrt;

TEST_CASE("every job_state round-trips through its name") {
  const auto state = GENERATE(from_range(all_job_states));
  const auto name = to_string(state);
  INFO("name: " << name);
  CHECK(name != "unknown");
  const auto parsed = parse_job_state(name);
  REQUIRE(parsed);
  CHECK(parsed.value() == state);
}

TEST_CASE("every error_kind round-trips through its name") {
  const auto kind = GENERATE(from_range(all_error_kinds));
  const auto name = to_string(kind);
  INFO("name: " << name);
  CHECK(name != "unknown");
  const auto parsed = parse_error_kind(name);
  REQUIRE(parsed);
  CHECK(parsed.value() == kind);
}

TEST_CASE("an unknown job_state name is rejected with its text") {
  const auto parsed = parse_job_state("running");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().what == "job_state");
  CHECK(parsed.error().text == "running");
  CHECK(parsed.error().message() == "unknown job_state 'running'");
}

TEST_CASE("an unknown error_kind name is rejected with its text") {
  const auto parsed = parse_error_kind("fatal");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().what == "error_kind");
  CHECK(parsed.error().text == "fatal");
  CHECK(parsed.error().message() == "unknown error_kind 'fatal'");
}

// Names are stored and compared verbatim, so near misses must not parse.
TEST_CASE("job_state names are case-sensitive and exact") {
  const std::string text =
      GENERATE("Pending", "PENDING", " pending", "pending ", "", "unknown");
  INFO("text: '" << text << "'");
  const auto parsed = parse_job_state(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().text == text);
}

TEST_CASE("error_kind names are case-sensitive and exact") {
  const std::string text =
      GENERATE("Transient", "TIMEOUT", " permanent", "abandoned\n", "", "unknown");
  INFO("text: '" << text << "'");
  const auto parsed = parse_error_kind(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().text == text);
}
