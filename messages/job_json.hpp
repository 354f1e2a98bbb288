#pragma once

// JSON form of jobs, specs and errors (nlohmann-json). Decoding never throws:
// malformed text, a missing or mistyped field, an unknown state or kind, and
// negative or absurd numbers come back as a json_error naming the field.
//
// Times are integers of milliseconds since the Unix epoch (`*_at` fields);
// durations are integers of milliseconds (`*_ms` fields). Integers must be
// written as integers: 1.5, 2.0 and 1e3 are wrong_type, while a number too
// large for 64 bits (which nlohmann reads as a float) is out_of_range.
//
// Encoding writes every field, unset optionals as null. Decoding takes an
// absent field and a null one alike, ignores fields it does not know (so
// newer writers can add some), and accepts everything encoding produces from
// a value that validate_spec and the job invariants accept.
//
// The payload is a JSON string holding the caller's bytes, not embedded
// JSON. A JSON value carries any bytes, but JSON text must be UTF-8: dump
// with dump_json, which never throws and writes U+FFFD for invalid bytes.
// Callers with binary payloads should encode them (base64) themselves.

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
  /// "field: detail", e.g. "errors[2].kind: unknown error_kind 'fatal'";
  /// "(top level): ..." when the error concerns the whole document.
  std::string message() const;

  friend bool operator==(const json_error&, const json_error&) = default;
};

std::string_view to_string(json_error::code_type c) noexcept;

nlohmann::json to_json(const job_error& e);
nlohmann::json to_json(const attempt_error& e);
nlohmann::json to_json(const job_spec& s);
nlohmann::json to_json(const job& j);

// Decoders take a JSON object; anything else is wrong_type with an empty field.

/// Requires kind and code; message defaults to empty.
result<job_error, json_error> job_error_from_json(const nlohmann::json& v);
/// Requires attempt, kind, code and at.
result<attempt_error, json_error>
attempt_error_from_json(const nlohmann::json& v);
/// Requires type; the rest take job_spec's defaults. The spec must also pass
/// validate_spec: its error keeps the field name, with code invalid_value for
/// an empty field and out_of_range for a number.
result<job_spec, json_error> job_spec_from_json(const nlohmann::json& v);
/// Requires id, type, state, attempt, max_attempts, run_at, created_at and
/// updated_at; the rest take job's defaults, except that breaker_key defaults
/// to the type. The job's spec fields must pass validate_spec (so an empty
/// breaker_key is rejected) and attempt must not exceed max_attempts.
result<job, json_error> job_from_json(const nlohmann::json& v);

/// Parses text first; malformed text is a json_error with code malformed.
result<job_spec, json_error> parse_job_spec(std::string_view text);
result<job, json_error> parse_job(std::string_view text);

/// Compact JSON text of v. Never throws: invalid UTF-8 in strings (a binary
/// payload) becomes U+FFFD instead of raising nlohmann's type_error 316.
std::string dump_json(const nlohmann::json& v);

} // namespace jobrt
