#include "jobrt/messages/job.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace jobrt;
using namespace std::chrono_literals;

namespace {

job_spec minimal_spec() {
  job_spec spec;
  spec.type = "send_email";
  return spec;
}

using spec_code = spec_error::code_type;

struct bad_spec_case {
  const char* what;
  void (*mutate)(job_spec&);
  const char* field;
  spec_code code;
};

struct good_spec_case {
  const char* what;
  void (*mutate)(job_spec&);
};

} // namespace

TEST_CASE("validate_spec accepts a minimal spec") {
  CHECK(validate_spec(minimal_spec()));
}

TEST_CASE("validate_spec accepts every field at its limits") {
  const auto c = GENERATE(values<good_spec_case>({
      {"priority 0", [](job_spec& s) { s.priority = 0; }},
      {"priority max", [](job_spec& s) { s.priority = max_priority; }},
      {"max_attempts 1", [](job_spec& s) { s.max_attempts = 1; }},
      {"max_attempts limit",
       [](job_spec& s) { s.max_attempts = max_attempts_limit; }},
      {"timeout 1ms", [](job_spec& s) { s.timeout = 1ms; }},
      {"timeout max", [](job_spec& s) { s.timeout = max_timeout; }},
      {"run_at epoch", [](job_spec& s) { s.run_at = time_point{}; }},
      {"keys of one char",
       [](job_spec& s) {
         s.breaker_key = "b";
         s.unique_key = "u";
       }},
      {"names and keys at their bounds",
       [](job_spec& s) {
         s.type = std::string(max_name_bytes, 't');
         s.queue = std::string(max_name_bytes, 'q');
         s.breaker_key = std::string(max_name_bytes, 'b');
         s.unique_key = std::string(max_unique_key_bytes, 'u');
       }},
      {"empty payload and any queue",
       [](job_spec& s) {
         s.payload.clear();
         s.queue = "q";
       }},
  }));
  INFO(c.what);
  auto spec = minimal_spec();
  c.mutate(spec);
  const auto checked = validate_spec(spec);
  INFO((checked ? std::string() : checked.error().message()));
  CHECK(checked);
}

TEST_CASE("validate_spec rejects each bad field naming it") {
  const auto c = GENERATE(values<bad_spec_case>({
      {"empty type", [](job_spec& s) { s.type.clear(); }, "type",
       spec_code::empty},
      {"empty queue", [](job_spec& s) { s.queue.clear(); }, "queue",
       spec_code::empty},
      {"negative priority", [](job_spec& s) { s.priority = -1; }, "priority",
       spec_code::out_of_range},
      {"priority above max",
       [](job_spec& s) { s.priority = max_priority + 1; }, "priority",
       spec_code::out_of_range},
      {"lowest int priority",
       [](job_spec& s) {
         s.priority = std::numeric_limits<std::int32_t>::min();
       },
       "priority", spec_code::out_of_range},
      {"zero max_attempts", [](job_spec& s) { s.max_attempts = 0; },
       "max_attempts", spec_code::out_of_range},
      {"negative max_attempts", [](job_spec& s) { s.max_attempts = -3; },
       "max_attempts", spec_code::out_of_range},
      {"max_attempts above limit",
       [](job_spec& s) { s.max_attempts = max_attempts_limit + 1; },
       "max_attempts", spec_code::out_of_range},
      {"zero timeout", [](job_spec& s) { s.timeout = 0ms; }, "timeout_ms",
       spec_code::out_of_range},
      {"negative timeout", [](job_spec& s) { s.timeout = -1ms; },
       "timeout_ms", spec_code::out_of_range},
      {"timeout above max",
       [](job_spec& s) { s.timeout = max_timeout + 1ms; }, "timeout_ms",
       spec_code::out_of_range},
      {"run_at before the epoch",
       [](job_spec& s) { s.run_at = time_point{} - 1ms; }, "run_at",
       spec_code::out_of_range},
      {"empty breaker_key", [](job_spec& s) { s.breaker_key = ""; },
       "breaker_key", spec_code::empty},
      {"empty unique_key", [](job_spec& s) { s.unique_key = ""; },
       "unique_key", spec_code::empty},
      {"type over its bound",
       [](job_spec& s) { s.type = std::string(max_name_bytes + 1, 't'); },
       "type", spec_code::too_long},
      {"queue over its bound",
       [](job_spec& s) { s.queue = std::string(max_name_bytes + 1, 'q'); },
       "queue", spec_code::too_long},
      {"breaker_key over its bound",
       [](job_spec& s) { s.breaker_key = std::string(max_name_bytes + 1, 'b'); },
       "breaker_key", spec_code::too_long},
      {"unique_key over its bound",
       [](job_spec& s) {
         s.unique_key = std::string(max_unique_key_bytes + 1, 'u');
       },
       "unique_key", spec_code::too_long},
  }));
  INFO(c.what);
  auto spec = minimal_spec();
  c.mutate(spec);
  const auto checked = validate_spec(spec);
  REQUIRE_FALSE(checked);
  const auto& e = checked.error();
  CHECK(e.field == c.field);
  CHECK(e.code == c.code);
  CHECK(e.message().rfind(std::string(c.field) + ": ", 0) == 0);
  CHECK_FALSE(e.detail.empty());
}

TEST_CASE("validate_spec reports the type before other fields") {
  auto spec = minimal_spec();
  spec.type.clear();
  spec.queue.clear();
  spec.priority = 42;
  const auto checked = validate_spec(spec);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().field == "type");
}

TEST_CASE("spec_error message names the field and the bad value") {
  auto spec = minimal_spec();
  spec.priority = 42;
  const auto checked = validate_spec(spec);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().message() ==
        "priority: must be between 0 and 9 (got 42)");
}
