#include "jobrt/messages/job_json.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace jobrt;
using namespace std::chrono_literals;
using nlohmann::json;
using code = json_error::code_type;

namespace {

time_point at_ms(std::int64_t ms) { return time_point{duration{ms}}; }

job full_job() {
  job j;
  j.id = 42;
  j.type = "send_email";
  j.queue = "mail";
  j.payload = R"({"to":"ada@example.com"})";
  j.priority = 3;
  j.state = job_state::retrying;
  j.attempt = 2;
  j.max_attempts = 7;
  j.run_at = at_ms(1'700'000'060'000);
  j.timeout = 90s;
  j.breaker_key = "smtp";
  j.unique_key = "welcome-42";
  j.cancel_requested = true;
  j.errors = {
      attempt_error{1,
                    job_error{error_kind::transient, "smtp_busy",
                              "421 try later", 30s},
                    at_ms(1'700'000'010'000)},
      attempt_error{2, job_error::permanent("bounced", "550 no such user"),
                    at_ms(1'700'000'020'000)},
  };
  j.created_at = at_ms(1'700'000'000'000);
  j.updated_at = at_ms(1'700'000'020'000);
  j.finished_at = at_ms(1'700'000'020'000);
  j.output = "receipt-42";
  return j;
}

// A job as first stored: every optional field unset.
job minimal_job() {
  job j;
  j.id = 1;
  j.type = "t";
  j.breaker_key = "t";
  j.state = job_state::pending;
  j.run_at = at_ms(0);
  j.created_at = at_ms(5);
  j.updated_at = at_ms(5);
  return j;
}

job_spec full_spec() {
  job_spec s;
  s.type = "resize_image";
  s.queue = "media";
  s.payload = R"({"w":640})";
  s.priority = 9;
  s.run_at = at_ms(1'700'000'000'000);
  s.max_attempts = 1000;
  s.timeout = max_timeout;
  s.breaker_key = "imgproxy";
  s.unique_key = "img-7";
  return s;
}

json full_json() { return to_json(full_job()); }

json with_field(json v, const std::string& field, const std::string& text) {
  v[field] = json::parse(text);
  return v;
}

template <class T>
std::string describe(const result<T, json_error>& r) {
  return r ? std::string("decoded without error") : r.error().message();
}

template <class T>
void check_error(const result<T, json_error>& r, code expected_code,
                 const std::string& expected_field) {
  INFO(describe(r));
  REQUIRE_FALSE(r);
  CHECK(to_string(r.error().code) == to_string(expected_code));
  CHECK(r.error().field == expected_field);
  CHECK_FALSE(r.error().detail.empty());
}

void check_round_trip(const job& original) {
  const auto from_value = job_from_json(to_json(original));
  INFO(describe(from_value));
  REQUIRE(from_value);
  CHECK(from_value.value() == original);

  const auto text = dump_json(to_json(original));
  INFO("text: " << text);
  const auto from_text = parse_job(text);
  INFO(describe(from_text));
  REQUIRE(from_text);
  CHECK(from_text.value() == original);
}

const std::vector<std::string> required_job_fields{
    "id",           "type",   "state",      "attempt",
    "max_attempts", "run_at", "created_at", "updated_at"};

const std::vector<std::string> all_job_fields{
    "id",         "type",       "queue",          "payload",
    "priority",   "state",      "attempt",        "max_attempts",
    "run_at",     "timeout_ms", "breaker_key",    "unique_key",
    "cancel_requested", "errors", "created_at",   "updated_at",
    "finished_at", "output"};

struct field_value {
  const char* field;
  const char* text; ///< the field's new value as JSON text
};

struct field_value_code {
  const char* field;
  const char* text;
  code expected;
};

} // namespace

// ------------------------------------------------------------ round trips

TEST_CASE("a job with every field set round-trips") {
  check_round_trip(full_job());
}

TEST_CASE("a job with optional fields unset round-trips") {
  const auto j = minimal_job();
  const auto v = to_json(j);
  CHECK(v.at("unique_key").is_null());
  CHECK(v.at("finished_at").is_null());
  CHECK(v.at("errors") == json::array());
  check_round_trip(j);
}

TEST_CASE("job JSON uses the documented field names and units") {
  const auto v = full_json();
  std::set<std::string> keys;
  for (const auto& item : v.items())
    keys.insert(item.key());
  CHECK(keys == std::set<std::string>(all_job_fields.begin(),
                                      all_job_fields.end()));
  CHECK(v.at("state") == "retrying");
  CHECK(v.at("run_at") == 1'700'000'060'000);
  CHECK(v.at("timeout_ms") == 90'000);
  CHECK(v.at("errors").at(0) ==
        json{{"attempt", 1},
             {"kind", "transient"},
             {"code", "smtp_busy"},
             {"message", "421 try later"},
             {"retry_after_ms", 30'000},
             {"at", 1'700'000'010'000}});
  CHECK(v.at("errors").at(1).at("retry_after_ms").is_null());
}

TEST_CASE("unicode and control characters in the payload round-trip") {
  const std::string payload = GENERATE(
      std::string("h\xC3\xA9llo w\xC3\xB6rld"),
      std::string("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
      std::string("party \xF0\x9F\x8E\x89"), std::string("nul\0byte", 8),
      std::string("quote \" backslash \\ slash /"),
      std::string("\t\n\r\b\f \x01\x1f\x7f"),
      std::string(R"({"nested":{"json":[1,2.5,null]}})"),
      std::string("\xE2\x80\xA8\xE2\x80\xA9"), std::string());
  auto j = full_job();
  j.payload = payload;
  check_round_trip(j);
}

// JSON text must be UTF-8, so bytes that are not survive only in the value
// form; dump_json replaces them rather than throwing.
TEST_CASE("a payload that is not UTF-8 round-trips as a value and is replaced in text") {
  auto j = full_job();
  j.payload = "\xFF\xFE binary \x80";
  const auto from_value = job_from_json(to_json(j));
  REQUIRE(from_value);
  CHECK(from_value.value() == j);

  const auto text = dump_json(to_json(j));
  CHECK(text.find("\xEF\xBF\xBD") != std::string::npos);
  const auto from_text = parse_job(text);
  INFO(describe(from_text));
  REQUIRE(from_text);
  CHECK(from_text.value().payload == "\xEF\xBF\xBD\xEF\xBF\xBD binary \xEF\xBF\xBD");
}

TEST_CASE("a job_spec with every field set round-trips") {
  const auto s = full_spec();
  const auto decoded = parse_job_spec(dump_json(to_json(s)));
  INFO(describe(decoded));
  REQUIRE(decoded);
  CHECK(decoded.value() == s);
}

TEST_CASE("a minimal job_spec round-trips") {
  job_spec s;
  s.type = "t";
  const auto v = to_json(s);
  CHECK(v.at("unique_key").is_null());
  const auto decoded = job_spec_from_json(v);
  INFO(describe(decoded));
  REQUIRE(decoded);
  CHECK(decoded.value() == s);
}

TEST_CASE("a job_error round-trips with and without retry_after") {
  auto e = job_error::transient("rate_limited", "slow down");
  e.retry_after = GENERATE(std::optional<duration>{}, std::optional{0ms},
                           std::optional{duration{1'500}});
  const auto decoded = job_error_from_json(to_json(e));
  INFO(describe(decoded));
  REQUIRE(decoded);
  CHECK(decoded.value() == e);
}

TEST_CASE("an attempt_error round-trips") {
  const auto e = full_job().errors.at(0);
  const auto decoded = attempt_error_from_json(to_json(e));
  INFO(describe(decoded));
  REQUIRE(decoded);
  CHECK(decoded.value() == e);
}

// ------------------------------------------------------------- documents

TEST_CASE("text that is not JSON is malformed") {
  const std::string text =
      GENERATE(std::string(), std::string("   "), std::string("{"),
               std::string("nul"), std::string(R"({"id":1,})"),
               std::string("{} {}"), std::string("{'id':1}"),
               std::string("\"\xFF\""), std::string("{\"a\":1e}"),
               std::string("[1] x"));
  INFO("text: " << text);
  const auto as_job = parse_job(text);
  check_error(as_job, code::malformed, "");
  // The parser's own explanation, with its position, reaches the caller.
  CHECK(as_job.error().detail.find("parse error") != std::string::npos);
  check_error(parse_job_spec(text), code::malformed, "");
}

TEST_CASE("a top level that is not an object is wrong_type") {
  const std::string text = GENERATE("[]", "[{}]", "42", "\"job\"", "null",
                                    "true");
  INFO("text: " << text);
  check_error(parse_job(text), code::wrong_type, "");
  check_error(parse_job_spec(text), code::wrong_type, "");
  check_error(job_error_from_json(json::parse(text)), code::wrong_type, "");
}

TEST_CASE("json_error message always names the field") {
  const auto malformed = parse_job("{");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().message().rfind("(top level): ", 0) == 0);

  const auto not_object = job_from_json(json::array());
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().message() ==
        "(top level): must be an object (got array)");

  auto v = full_json();
  v.erase("id");
  const auto missing = job_from_json(v);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() == "id: is required");

  const auto priority = job_from_json(with_field(full_json(), "priority", "42"));
  REQUIRE_FALSE(priority);
  CHECK(priority.error().message() ==
        "priority: must be between 0 and 9 (got 42)");
}

TEST_CASE("json_error codes have distinct names") {
  const std::set<std::string_view> names{
      to_string(code::malformed),    to_string(code::missing_field),
      to_string(code::wrong_type),   to_string(code::out_of_range),
      to_string(code::unknown_name), to_string(code::invalid_value)};
  CHECK(names.size() == 6);
  CHECK(names.count("unknown") == 0);
}

// ------------------------------------------------------------ job fields

TEST_CASE("each missing required job field is reported by name") {
  const std::string field = GENERATE(from_range(required_job_fields));
  auto v = full_json();
  v.erase(field);
  check_error(job_from_json(v), code::missing_field, field);
}

TEST_CASE("a required job field set to null counts as missing") {
  const std::string field = GENERATE(from_range(required_job_fields));
  check_error(job_from_json(with_field(full_json(), field, "null")),
              code::missing_field, field);
}

TEST_CASE("optional job fields take their defaults when absent or null") {
  struct optional_case {
    const char* field;
    void (*expect_default)(job&);
  };
  const auto c = GENERATE(values<optional_case>({
      {"queue", [](job& j) { j.queue = std::string(default_queue); }},
      {"payload", [](job& j) { j.payload.clear(); }},
      {"priority", [](job& j) { j.priority = 0; }},
      {"timeout_ms", [](job& j) { j.timeout = job{}.timeout; }},
      {"breaker_key", [](job& j) { j.breaker_key = j.type; }},
      {"unique_key", [](job& j) { j.unique_key.reset(); }},
      {"cancel_requested", [](job& j) { j.cancel_requested = false; }},
      {"errors", [](job& j) { j.errors.clear(); }},
      {"finished_at", [](job& j) { j.finished_at.reset(); }},
      {"output", [](job& j) { j.output.reset(); }},
  }));
  const bool as_null = GENERATE(false, true);
  INFO(c.field << (as_null ? " null" : " absent"));
  auto v = full_json();
  if (as_null)
    v[c.field] = nullptr;
  else
    v.erase(c.field);
  auto expected = full_job();
  c.expect_default(expected);
  const auto decoded = job_from_json(v);
  INFO(describe(decoded));
  REQUIRE(decoded);
  CHECK(decoded.value() == expected);
}

TEST_CASE("a job field of the wrong JSON type is wrong_type") {
  const auto c = GENERATE(values<field_value>({
      {"id", R"("42")"},
      {"type", "5"},
      {"queue", "true"},
      {"payload", R"({"to":"x"})"},
      {"priority", R"("0")"},
      {"state", "1"},
      {"attempt", "true"},
      {"max_attempts", "[]"},
      {"run_at", R"("2023-11-14T22:13:20Z")"},
      {"timeout_ms", "{}"},
      {"breaker_key", "1"},
      {"unique_key", "false"},
      {"cancel_requested", "1"},
      {"cancel_requested", R"("true")"},
      {"errors", "{}"},
      {"created_at", "false"},
      {"updated_at", R"("x")"},
      {"finished_at", "[]"},
  }));
  INFO(c.field << " = " << c.text);
  check_error(job_from_json(with_field(full_json(), c.field, c.text)),
              code::wrong_type, c.field);
}

TEST_CASE("negative and absurd job numbers are out_of_range") {
  const auto c = GENERATE(values<field_value>({
      {"id", "-1"},
      {"id", "9223372036854775808"},
      {"id", "18446744073709551615"},
      {"id", "99999999999999999999"},
      {"attempt", "-1"},
      {"attempt", "2147483648"},
      {"max_attempts", "0"},
      {"max_attempts", "1001"},
      {"max_attempts", "2147483648"},
      {"max_attempts", "-2147483649"},
      {"priority", "-1"},
      {"priority", "10"},
      {"priority", "2147483648"},
      {"run_at", "-1"},
      {"run_at", "1e30"},
      {"run_at", "-1e300"},
      {"created_at", "-1"},
      {"updated_at", "-9223372036854775808"},
      {"finished_at", "-1"},
      {"timeout_ms", "0"},
      {"timeout_ms", "-1"},
      {"timeout_ms", "604800001"},
      {"timeout_ms", "99999999999999999999"},
  }));
  INFO(c.field << " = " << c.text);
  // Through text, so big literals are read exactly as a peer's would be.
  auto v = full_json();
  v.erase(c.field);
  auto text = dump_json(v);
  text.insert(1, "\"" + std::string(c.field) + "\":" + c.text + ",");
  check_error(parse_job(text), code::out_of_range, c.field);
}

TEST_CASE("a float where an integer is needed is wrong_type") {
  const std::string field = GENERATE("id", "priority", "attempt",
                                     "max_attempts", "run_at", "timeout_ms",
                                     "created_at", "finished_at");
  const std::string text = GENERATE("1.5", "2.0", "1e3", "-0.5");
  INFO(field << " = " << text);
  check_error(job_from_json(with_field(full_json(), field, text)),
              code::wrong_type, field);
}

TEST_CASE("an unknown state is unknown_name") {
  const auto decoded =
      job_from_json(with_field(full_json(), "state", R"("running")"));
  check_error(decoded, code::unknown_name, "state");
  CHECK(decoded.error().message() == "state: unknown job_state 'running'");
}

TEST_CASE("an unknown kind in the second error entry names its path") {
  auto v = full_json();
  v["errors"][1]["kind"] = "fatal";
  const auto decoded = job_from_json(v);
  check_error(decoded, code::unknown_name, "errors[1].kind");
  CHECK(decoded.error().message() ==
        "errors[1].kind: unknown error_kind 'fatal'");
}

TEST_CASE("a bad error history entry is named by its index") {
  const auto c = GENERATE(values<field_value_code>({
      {"attempt", "null", code::missing_field},
      {"attempt", "-1", code::out_of_range},
      {"kind", "null", code::missing_field},
      {"kind", "0", code::wrong_type},
      {"code", "null", code::missing_field},
      {"message", "[]", code::wrong_type},
      {"retry_after_ms", "-5", code::out_of_range},
      {"retry_after_ms", "0.5", code::wrong_type},
      {"at", "null", code::missing_field},
      {"at", "-1", code::out_of_range},
  }));
  const int index = GENERATE(0, 1);
  INFO("errors[" << index << "]." << c.field << " = " << c.text);
  auto v = full_json();
  v["errors"][index][c.field] = json::parse(c.text);
  check_error(job_from_json(v), c.expected,
              "errors[" + std::to_string(index) + "]." + c.field);
}

TEST_CASE("an error history entry that is not an object is wrong_type") {
  auto v = full_json();
  v["errors"].push_back(7);
  check_error(job_from_json(v), code::wrong_type, "errors[2]");
}

TEST_CASE("attempt above max_attempts is rejected") {
  auto v = full_json();
  v["max_attempts"] = 5;
  v["attempt"] = 6;
  check_error(job_from_json(v), code::out_of_range, "attempt");
  v["attempt"] = 5;
  const auto at_limit = job_from_json(v);
  INFO(describe(at_limit));
  CHECK(at_limit);
}

TEST_CASE("job decoding checks spec fields like validate_spec") {
  const auto c = GENERATE(values<field_value_code>({
      {"type", R"("")", code::invalid_value},
      {"queue", R"("")", code::invalid_value},
      {"breaker_key", R"("")", code::invalid_value},
      {"unique_key", R"("")", code::invalid_value},
      {"priority", "42", code::out_of_range},
  }));
  INFO(c.field << " = " << c.text);
  check_error(job_from_json(with_field(full_json(), c.field, c.text)),
              c.expected, c.field);
}

// Whatever one field holds, the error (if any) is reported under that field:
// no value in one place is blamed on another, and nothing throws.
TEST_CASE("any single bad job field is reported under its own name") {
  const std::string field = GENERATE(from_range(all_job_fields));
  const std::string text =
      GENERATE("null", "true", "0", "-1", "1", "1.5", R"("")", R"("x")",
               R"("pending")", "[]", "{}", "1e30", "[{}]");
  INFO(field << " = " << text);
  auto v = full_json();
  v["attempt"] = 1; // so that any valid max_attempts stays consistent
  v[field] = json::parse(text);
  const auto decoded = job_from_json(v);
  if (text == "{}")
    REQUIRE_FALSE(decoded); // no job field takes an object
  if (!decoded) {
    INFO(decoded.error().message());
    CHECK(decoded.error().field.rfind(field, 0) == 0);
  }
}

TEST_CASE("unknown job fields are ignored") {
  auto v = full_json();
  v["added_in_a_later_version"] = json{{"x", 1}};
  const auto decoded = job_from_json(v);
  INFO(describe(decoded));
  REQUIRE(decoded);
  CHECK(decoded.value() == full_job());
}

// ----------------------------------------------------------- spec fields

TEST_CASE("job_spec defaults apply to absent and null fields") {
  const std::string text = GENERATE(
      std::string(R"({"type":"t"})"),
      std::string(R"({"type":"t","queue":null,"payload":null,"priority":null,)"
                  R"("run_at":null,"max_attempts":null,"timeout_ms":null,)"
                  R"("breaker_key":null,"unique_key":null})"));
  INFO("text: " << text);
  const auto decoded = parse_job_spec(text);
  INFO(describe(decoded));
  REQUIRE(decoded);
  job_spec expected;
  expected.type = "t";
  CHECK(decoded.value() == expected);
  CHECK(decoded.value().queue == "default");
}

TEST_CASE("a job_spec with priority 42 is rejected naming priority") {
  const auto decoded = parse_job_spec(R"({"type":"t","priority":42})");
  check_error(decoded, code::out_of_range, "priority");
  CHECK(decoded.error().message() ==
        "priority: must be between 0 and 9 (got 42)");
}

TEST_CASE("a job_spec without a type is missing_field") {
  const std::string text = GENERATE(R"({})", R"({"type":null,"queue":"q"})");
  check_error(parse_job_spec(text), code::missing_field, "type");
}

TEST_CASE("a job_spec with a bad field names it") {
  const auto c = GENERATE(values<field_value_code>({
      {"type", R"("")", code::invalid_value},
      {"type", "5", code::wrong_type},
      {"queue", R"("")", code::invalid_value},
      {"payload", "{}", code::wrong_type},
      {"priority", R"("1")", code::wrong_type},
      {"priority", "1.5", code::wrong_type},
      {"priority", "-1", code::out_of_range},
      {"max_attempts", "0", code::out_of_range},
      {"max_attempts", "true", code::wrong_type},
      {"timeout_ms", "0", code::out_of_range},
      {"timeout_ms", "-5", code::out_of_range},
      {"run_at", "-1", code::out_of_range},
      {"breaker_key", R"("")", code::invalid_value},
      {"unique_key", R"("")", code::invalid_value},
      {"unique_key", "7", code::wrong_type},
  }));
  INFO(c.field << " = " << c.text);
  check_error(job_spec_from_json(with_field(to_json(full_spec()), c.field,
                                            c.text)),
              c.expected, c.field);
}

// ---------------------------------------------------------- error fields

TEST_CASE("a job_error needs kind and code") {
  const std::string field = GENERATE("kind", "code");
  auto v = to_json(job_error::transient("busy"));
  v.erase(field);
  check_error(job_error_from_json(v), code::missing_field, field);
}
