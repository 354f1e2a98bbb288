#pragma once

// JSON form of jobs, specs and errors (nlohmann-json). Decoding never throws:
// malformed text, a missing or mistyped field, an unknown state or kind, and
// negative or absurd numbers come back as a json_error naming the field.
//
// Times are integers of milliseconds since the Unix epoch (`*_at` fields);
// durations are integers of milliseconds (`*_ms` fields).

#include "jobrt/messages/job.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace jobrt {

struct json_error {
  enum class code_type {
    malformed,     ///< not JSON at all
    missing_field, ///< a required field is absent
    wrong_type,    ///< present with the wrong JSON type
    out_of_range,  ///< a number that is negative, absurd or too large
    unknown_name,  ///< a state or kind that does not exist
    invalid_value, ///< any other rule a value breaks (empty type, ...)
  };
  code_type code = code_type::malformed;
  std::string field; ///< dotted path, e.g. "errors[2].kind"; empty if none
  std::string detail;
  std::string message() const;

  friend bool operator==(const json_error&, const json_error&) = default;
};

std::string_view to_string(json_error::code_type c) noexcept;

nlohmann::json to_json(const job_error& e);
nlohmann::json to_json(const attempt_error& e);
nlohmann::json to_json(const job_spec& s);
nlohmann::json to_json(const job& j);

result<job_error, json_error> job_error_from_json(const nlohmann::json& v);
result<job_spec, json_error> job_spec_from_json(const nlohmann::json& v);
result<job, json_error> job_from_json(const nlohmann::json& v);

/// Parses text first; malformed text is a json_error with code malformed.
result<job_spec, json_error> parse_job_spec(std::string_view text);
result<job, json_error> parse_job(std::string_view text);

} // namespace jobrt
