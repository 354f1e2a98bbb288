#include "jobrt/messages/job_json.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobrt {

namespace {

using json = nlohmann::json;
using code = json_error::code_type;

json_error fail(code c, std::string field, std::string detail) {
  return json_error{c, std::move(field), std::move(detail)};
}

// ---------------------------------------------------------------- encoding

json encode(time_point t) { return t.time_since_epoch().count(); }
json encode(duration d) { return d.count(); }
json encode(std::int32_t n) { return n; }
json encode(const std::string& s) { return s; }

template <class T>
json encode(const std::optional<T>& v) {
  return v ? encode(*v) : json(nullptr);
}

// job_error's fields sit directly in an attempt_error's object: the history
// stays one flat object per attempt.
void put_error_fields(json& out, const job_error& e) {
  out["kind"] = std::string(to_string(e.kind));
  out["code"] = e.code;
  out["message"] = e.message;
  out["retry_after_ms"] = encode(e.retry_after);
}

// ------------------------------------------------------- decoding values
//
// A reader turns one present, non-null JSON value into a C++ value, or a
// json_error naming `path`. Readers check the JSON type before every get, so
// nothing here can throw.

json_error wrong_type(const json& v, const std::string& path,
                      std::string_view expected) {
  return fail(code::wrong_type, path,
              "must be " + std::string(expected) + " (got " + v.type_name() +
                  ")");
}

result<void, json_error> expect_object(const json& v, const std::string& path) {
  if (!v.is_object())
    return wrong_type(v, path, "an object");
  return outcome::success();
}

result<std::string, json_error> as_string(const json& v,
                                          const std::string& path) {
  if (!v.is_string())
    return wrong_type(v, path, "a string");
  return v.get_ref<const std::string&>();
}

result<bool, json_error> as_bool(const json& v, const std::string& path) {
  if (!v.is_boolean())
    return wrong_type(v, path, "a boolean");
  return v.get<bool>();
}

// nlohmann reads an integer literal too large for 64 bits as a float, so a
// huge float is an absurd integer (out_of_range); any other float, even 2.0,
// is not an integer at all (wrong_type).
result<std::int64_t, json_error> as_integer(const json& v,
                                            const std::string& path,
                                            std::int64_t low,
                                            std::int64_t high) {
  const auto outside = [&] {
    return fail(code::out_of_range, path,
                "must be between " + std::to_string(low) + " and " +
                    std::to_string(high) + " (got " + v.dump() + ")");
  };
  if (v.is_number_float()) {
    if (std::abs(v.get<double>()) >= 0x1p63)
      return outside();
    return fail(code::wrong_type, path,
                "must be an integer (got " + v.dump() + ")");
  }
  if (!v.is_number_integer())
    return wrong_type(v, path, "an integer");
  if (v.is_number_unsigned() &&
      v.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return outside();
  const auto n = v.get<std::int64_t>();
  if (n < low || n > high)
    return outside();
  return n;
}

// Domain limits (priority, max_attempts, timeout) are validate_spec's; these
// readers only keep numbers representable, and non-negative where a negative
// value means nothing.
result<std::int32_t, json_error> as_int32(const json& v,
                                          const std::string& path) {
  auto n = as_integer(v, path, std::numeric_limits<std::int32_t>::min(),
                      std::numeric_limits<std::int32_t>::max());
  if (!n)
    return n.error();
  return static_cast<std::int32_t>(n.value());
}

result<std::int32_t, json_error> as_count(const json& v,
                                          const std::string& path) {
  auto n = as_integer(v, path, 0, std::numeric_limits<std::int32_t>::max());
  if (!n)
    return n.error();
  return static_cast<std::int32_t>(n.value());
}

result<std::int64_t, json_error> as_id(const json& v, const std::string& path) {
  return as_integer(v, path, 0, std::numeric_limits<std::int64_t>::max());
}

result<time_point, json_error> as_time(const json& v, const std::string& path) {
  auto ms = as_id(v, path);
  if (!ms)
    return ms.error();
  return time_point{duration{ms.value()}};
}

result<duration, json_error> as_duration(const json& v,
                                         const std::string& path) {
  auto ms = as_id(v, path);
  if (!ms)
    return ms.error();
  return duration{ms.value()};
}

// Shared by states and kinds: a string, then a name from the vocabulary.
template <class Parse>
auto as_name(const json& v, const std::string& path, Parse parse)
    -> result<typename decltype(parse(std::string_view{}))::value_type,
              json_error> {
  if (!v.is_string())
    return wrong_type(v, path, "a string");
  auto parsed = parse(v.get_ref<const std::string&>());
  if (!parsed)
    return fail(code::unknown_name, path, parsed.error().message());
  return parsed.value();
}

result<job_state, json_error> as_state(const json& v, const std::string& path) {
  return as_name(v, path, parse_job_state);
}

result<error_kind, json_error> as_kind(const json& v, const std::string& path) {
  return as_name(v, path, parse_error_kind);
}

// ------------------------------------------------------- decoding fields

// Reads the fields of one object into a record. The first error wins and
// later reads do nothing, so a decoder is a flat list of fields followed by
// one error check. The prefix places the object in the document, so that
// errors inside the history read "errors[2].kind".
class field_reader {
public:
  field_reader(const json& obj, std::string prefix)
      : obj_(obj), prefix_(std::move(prefix)) {}

  template <class Read, class T>
  void required(std::string_view key, Read read, T& out) {
    if (error_)
      return;
    if (const json* v = find(key))
      store(read(*v, path(key)), out);
    else
      error_ = fail(code::missing_field, path(key), "is required");
  }

  /// Leaves `out` as it is (the record's default) when the field is not
  /// given.
  template <class Read, class T>
  void optional(std::string_view key, Read read, T& out) {
    if (error_)
      return;
    if (const json* v = find(key))
      store(read(*v, path(key)), out);
  }

  /// For checks after reading (validate_spec and cross-field rules).
  void reject(const json_error& e) {
    if (!error_)
      error_ = e;
  }

  std::string path(std::string_view key) const {
    return prefix_ + std::string(key);
  }

  const std::optional<json_error>& error() const { return error_; }

private:
  // Absent and null both mean "not given": writers may do either.
  const json* find(std::string_view key) const {
    const auto it = obj_.find(key);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
  }

  template <class R, class T>
  void store(R&& read, T& out) {
    if (read)
      out = std::move(read).value();
    else
      error_ = std::move(read).error();
  }

  const json& obj_;
  std::string prefix_;
  std::optional<json_error> error_;
};

// Turns a reader's outcome into the decoder's result.
template <class T>
result<T, json_error> finish(const field_reader& f, T value) {
  if (f.error())
    return *f.error();
  return value;
}

// --------------------------------------------------------- decoding records

void read_job_error(field_reader& f, job_error& e) {
  f.required("kind", as_kind, e.kind);
  f.required("code", as_string, e.code);
  f.optional("message", as_string, e.message);
  f.optional("retry_after_ms", as_duration, e.retry_after);
}

result<attempt_error, json_error> as_attempt_error(const json& v,
                                                   const std::string& path) {
  BOOST_OUTCOME_TRYV(expect_object(v, path));
  field_reader f(v, path.empty() ? path : path + ".");
  attempt_error a;
  f.required("attempt", as_count, a.attempt);
  read_job_error(f, a.error);
  f.required("at", as_time, a.at);
  return finish(f, std::move(a));
}

result<std::vector<attempt_error>, json_error>
as_error_history(const json& v, const std::string& path) {
  if (!v.is_array())
    return wrong_type(v, path, "an array");
  std::vector<attempt_error> history;
  history.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto entry = as_attempt_error(v[i], path + "[" + std::to_string(i) + "]");
    if (!entry)
      return entry.error();
    history.push_back(std::move(entry).value());
  }
  return history;
}

// A decoded spec, or a job's spec fields, must be one validate_spec accepts;
// its field names are already those of the JSON form.
void check_spec(field_reader& f, const job_spec& s) {
  auto checked = validate_spec(s);
  if (checked)
    return;
  const spec_error& e = checked.error();
  f.reject(fail(e.code == spec_error::code_type::empty ? code::invalid_value
                                                       : code::out_of_range,
                f.path(e.field), e.detail));
}

job_spec spec_fields_of(const job& j) {
  return job_spec{.type = j.type,
                  .queue = j.queue,
                  .payload = {}, // opaque: nothing to check
                  .priority = j.priority,
                  .run_at = j.run_at,
                  .max_attempts = j.max_attempts,
                  .timeout = j.timeout,
                  .breaker_key = j.breaker_key,
                  .unique_key = j.unique_key};
}

// Optional fields keep the defaults of a default-constructed record, so
// defaults live only in job.hpp.
result<job_spec, json_error> read_spec(field_reader& f) {
  job_spec s;
  f.required("type", as_string, s.type);
  f.optional("queue", as_string, s.queue);
  f.optional("payload", as_string, s.payload);
  f.optional("priority", as_int32, s.priority);
  f.optional("run_at", as_time, s.run_at);
  f.optional("max_attempts", as_int32, s.max_attempts);
  f.optional("timeout_ms", as_duration, s.timeout);
  f.optional("breaker_key", as_string, s.breaker_key);
  f.optional("unique_key", as_string, s.unique_key);
  if (!f.error())
    check_spec(f, s);
  return finish(f, std::move(s));
}

void check_job(field_reader& f, const job& j) {
  check_spec(f, spec_fields_of(j));
  if (j.attempt > j.max_attempts)
    f.reject(fail(code::out_of_range, f.path("attempt"),
                  "must not exceed max_attempts " +
                      std::to_string(j.max_attempts) + " (got " +
                      std::to_string(j.attempt) + ")"));
}

result<job, json_error> read_job(field_reader& f) {
  job j;
  f.required("id", as_id, j.id);
  f.required("type", as_string, j.type);
  f.optional("queue", as_string, j.queue);
  f.optional("payload", as_string, j.payload);
  f.optional("priority", as_int32, j.priority);
  f.required("state", as_state, j.state);
  f.required("attempt", as_count, j.attempt);
  f.required("max_attempts", as_int32, j.max_attempts);
  f.required("run_at", as_time, j.run_at);
  f.optional("timeout_ms", as_duration, j.timeout);
  j.breaker_key = j.type; // what the runtime would have chosen
  f.optional("breaker_key", as_string, j.breaker_key);
  f.optional("unique_key", as_string, j.unique_key);
  f.optional("cancel_requested", as_bool, j.cancel_requested);
  f.optional("errors", as_error_history, j.errors);
  f.required("created_at", as_time, j.created_at);
  f.required("updated_at", as_time, j.updated_at);
  f.optional("finished_at", as_time, j.finished_at);
  f.optional("output", as_string, j.output);
  if (!f.error())
    check_job(f, j);
  return finish(f, std::move(j));
}

// ------------------------------------------------------------------- text

// The no-throw DOM parser only says "discarded"; a second pass through this
// SAX handler recovers nlohmann's explanation, with line and column, for
// whoever has to fix the text.
class parse_error_recorder final : public nlohmann::json_sax<json> {
public:
  std::string explanation = "not valid JSON";

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }

  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // Drop the "[json.exception.parse_error.101] " tag: it means nothing to
    // an operator.
    const std::string_view what = e.what();
    const auto tag_end = what.find("] ");
    explanation = tag_end == std::string_view::npos ? what
                                                    : what.substr(tag_end + 2);
    return false;
  }
};

std::string explain_parse_error(std::string_view text) {
  parse_error_recorder recorder;
  json::sax_parse(text.begin(), text.end(), &recorder);
  return recorder.explanation;
}

result<json, json_error> parse_text(std::string_view text) {
  json v = json::parse(text.begin(), text.end(), nullptr, false);
  if (v.is_discarded())
    return fail(code::malformed, "", explain_parse_error(text));
  return v;
}

} // namespace

std::string_view to_string(json_error::code_type c) noexcept {
  switch (c) {
    case code::malformed: return "malformed";
    case code::missing_field: return "missing_field";
    case code::wrong_type: return "wrong_type";
    case code::out_of_range: return "out_of_range";
    case code::unknown_name: return "unknown_name";
    case code::invalid_value: return "invalid_value";
  }
  return "unknown";
}

std::string json_error::message() const {
  return (field.empty() ? std::string("(top level)") : field) + ": " + detail;
}

json to_json(const job_error& e) {
  json out = json::object();
  put_error_fields(out, e);
  return out;
}

json to_json(const attempt_error& e) {
  json out = json::object();
  out["attempt"] = e.attempt;
  put_error_fields(out, e.error);
  out["at"] = encode(e.at);
  return out;
}

json to_json(const job_spec& s) {
  return json{
      {"type", s.type},
      {"queue", s.queue},
      {"payload", s.payload},
      {"priority", s.priority},
      {"run_at", encode(s.run_at)},
      {"max_attempts", encode(s.max_attempts)},
      {"timeout_ms", encode(s.timeout)},
      {"breaker_key", encode(s.breaker_key)},
      {"unique_key", encode(s.unique_key)},
  };
}

json to_json(const job& j) {
  json errors = json::array();
  for (const auto& e : j.errors)
    errors.push_back(to_json(e));
  return json{
      {"id", j.id},
      {"type", j.type},
      {"queue", j.queue},
      {"payload", j.payload},
      {"priority", j.priority},
      {"state", std::string(to_string(j.state))},
      {"attempt", j.attempt},
      {"max_attempts", j.max_attempts},
      {"run_at", encode(j.run_at)},
      {"timeout_ms", encode(j.timeout)},
      {"breaker_key", j.breaker_key},
      {"unique_key", encode(j.unique_key)},
      {"cancel_requested", j.cancel_requested},
      {"errors", std::move(errors)},
      {"created_at", encode(j.created_at)},
      {"updated_at", encode(j.updated_at)},
      {"finished_at", encode(j.finished_at)},
      {"output", encode(j.output)},
  };
}

result<job_error, json_error> job_error_from_json(const json& v) {
  BOOST_OUTCOME_TRYV(expect_object(v, ""));
  field_reader f(v, "");
  job_error e;
  read_job_error(f, e);
  return finish(f, std::move(e));
}

result<attempt_error, json_error> attempt_error_from_json(const json& v) {
  return as_attempt_error(v, "");
}

result<job_spec, json_error> job_spec_from_json(const json& v) {
  BOOST_OUTCOME_TRYV(expect_object(v, ""));
  field_reader f(v, "");
  return read_spec(f);
}

result<job, json_error> job_from_json(const json& v) {
  BOOST_OUTCOME_TRYV(expect_object(v, ""));
  field_reader f(v, "");
  return read_job(f);
}

result<job_spec, json_error> parse_job_spec(std::string_view text) {
  auto v = parse_text(text);
  if (!v)
    return v.error();
  return job_spec_from_json(v.value());
}

result<job, json_error> parse_job(std::string_view text) {
  auto v = parse_text(text);
  if (!v)
    return v.error();
  return job_from_json(v.value());
}

std::string dump_json(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace jobrt
