#include "jobrt/persistence/postgres_job_rows.hpp"

#include "jobrt/messages/job_json.hpp"

#include <nlohmann/json.hpp>

namespace jobrt {

namespace {

using element = postgres_array::element;

std::int64_t ms(time_point t) { return t.time_since_epoch().count(); }
time_point at(std::int64_t v) { return time_point{duration{v}}; }

std::optional<std::int64_t> ms(const std::optional<time_point>& t) {
  if (!t)
    return std::nullopt;
  return ms(*t);
}

std::optional<time_point> optional_time(const postgres_rows& rows, int row,
                                        int col) {
  auto v = rows.optional_number(row, col);
  if (!v)
    return std::nullopt;
  return at(*v);
}

store_error unreadable(job_id id, const std::string& what) {
  return store_error{store_error::code_type::corrupt,
                     "PostgreSQL: job " + std::to_string(id) + ": " + what};
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3
                                   : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size() || c == 0)
      return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2)
        return false;
    i += n;
  }
  return true;
}

} // namespace

std::string postgres_unnest_jobs(int first, bool with_fence) {
  static constexpr std::array<const char*, 20> types{
      "bigint[]", "text[]", "text[]",   "bytea[]",  "integer[]", "text[]",
      "integer[]", "integer[]", "bigint[]", "bigint[]", "text[]", "text[]",
      "boolean[]", "bytea[]", "bigint[]", "bigint[]", "bigint[]", "text[]",
      "bigint[]", "text[]"};
  std::string sql = "unnest(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i != 0)
      sql += ", ";
    sql += "$" + std::to_string(first + static_cast<int>(i)) + "::" + types[i];
  }
  auto next = first + static_cast<int>(types.size());
  if (with_fence)
    sql += ", $" + std::to_string(next) + "::text[], $" +
           std::to_string(next + 1) + "::integer[], $" +
           std::to_string(next + 2) + "::text[]";
  sql += ") AS u(" + std::string(postgres_job_columns);
  if (with_fence)
    sql += ", x_state, x_attempt, x_owner";
  sql += ")";
  return sql;
}

postgres_job_arrays::postgres_job_arrays()
  : columns_{postgres_array{element::int8},  postgres_array{element::text},
             postgres_array{element::text},  postgres_array{element::bytea},
             postgres_array{element::int4},  postgres_array{element::text},
             postgres_array{element::int4},  postgres_array{element::int4},
             postgres_array{element::int8},  postgres_array{element::int8},
             postgres_array{element::text},  postgres_array{element::text},
             postgres_array{element::boolean}, postgres_array{element::bytea},
             postgres_array{element::int8},  postgres_array{element::int8},
             postgres_array{element::int8},  postgres_array{element::text},
             postgres_array{element::int8},  postgres_array{element::text}} {}

void postgres_job_arrays::add(const job& r) {
  columns_[0].add(std::int64_t{r.id});
  columns_[1].add(std::string_view{r.type});
  columns_[2].add(std::string_view{r.queue});
  columns_[3].add(std::string_view{r.payload});
  columns_[4].add(std::int32_t{r.priority});
  columns_[5].add(to_string(r.state));
  columns_[6].add(std::int32_t{r.attempt});
  columns_[7].add(std::int32_t{r.max_attempts});
  columns_[8].add(ms(r.run_at));
  columns_[9].add(std::int64_t{r.timeout.count()});
  columns_[10].add(std::string_view{r.breaker_key});
  if (r.unique_key)
    columns_[11].add(std::string_view{*r.unique_key});
  else
    columns_[11].add_null();
  columns_[12].add(r.cancel_requested);
  if (r.output)
    columns_[13].add(std::string_view{*r.output});
  else
    columns_[13].add_null();
  columns_[14].add(ms(r.created_at));
  columns_[15].add(ms(r.updated_at));
  columns_[16].add(ms(r.finished_at));
  columns_[17].add(std::string_view{r.owner});
  columns_[18].add(ms(r.lease_until));
  columns_[19].add(std::string_view{error_history_text(r.errors)});
}

void postgres_job_arrays::append_to(postgres_params& params) const {
  for (const auto& c : columns_)
    params.binary(c.value());
}

postgres_fence_arrays::postgres_fence_arrays()
  : states_(element::text), attempts_(element::int4), owners_(element::text) {}

void postgres_fence_arrays::add(const job_fence& f) {
  states_.add(to_string(f.state));
  attempts_.add(std::int32_t{f.attempt});
  owners_.add(std::string_view{f.owner});
}

void postgres_fence_arrays::append_to(postgres_params& params) const {
  params.binary(states_.value());
  params.binary(attempts_.value());
  params.binary(owners_.value());
}

postgres_claim_arrays::postgres_claim_arrays()
  : ids_(element::int8), states_(element::text), attempts_(element::int4),
    owners_(element::text), leases_(element::int8), updated_(element::int8) {}

void postgres_claim_arrays::add(const job& r) {
  ids_.add(std::int64_t{r.id});
  states_.add(to_string(r.state));
  attempts_.add(std::int32_t{r.attempt});
  owners_.add(std::string_view{r.owner});
  leases_.add(ms(r.lease_until));
  updated_.add(ms(r.updated_at));
}

void postgres_claim_arrays::append_to(postgres_params& params) const {
  for (const auto* a : {&ids_, &states_, &attempts_, &owners_, &leases_, &updated_})
    params.binary(a->value());
}

bool postgres_claim_arrays::covers(const job& read, const job& claimed) {
  auto expected = read;
  expected.state = claimed.state;
  expected.attempt = claimed.attempt;
  expected.owner = claimed.owner;
  expected.lease_until = claimed.lease_until;
  expected.updated_at = claimed.updated_at;
  return expected == claimed;
}

result<job, store_error> read_job(const postgres_rows& rows, int row) {
  job r;
  r.id = rows.number(row, 0);
  r.type = std::string(rows.text(row, 1));
  r.queue = std::string(rows.text(row, 2));
  r.payload = rows.bytes(row, 3);
  r.priority = static_cast<std::int32_t>(rows.number(row, 4));
  auto state = parse_job_state(rows.text(row, 5));
  if (!state)
    return unreadable(r.id, state.error().message());
  r.state = state.value();
  r.attempt = static_cast<std::int32_t>(rows.number(row, 6));
  r.max_attempts = static_cast<std::int32_t>(rows.number(row, 7));
  r.run_at = at(rows.number(row, 8));
  r.timeout = duration{rows.number(row, 9)};
  r.breaker_key = std::string(rows.text(row, 10));
  if (!rows.null(row, 11))
    r.unique_key = std::string(rows.text(row, 11));
  r.cancel_requested = rows.boolean(row, 12);
  if (!rows.null(row, 13))
    r.output = rows.bytes(row, 13);
  r.created_at = at(rows.number(row, 14));
  r.updated_at = at(rows.number(row, 15));
  r.finished_at = optional_time(rows, row, 16);
  r.owner = std::string(rows.text(row, 17));
  r.lease_until = optional_time(rows, row, 18);
  auto history_text = rows.text(row, 19);
  if (history_text != "[]") {
    auto history = nlohmann::json::parse(history_text, nullptr, false);
    if (history.is_discarded() || !history.is_array())
      return unreadable(r.id, "its error history is not a JSON array");
    r.errors.reserve(history.size());
    for (const auto& entry : history) {
      auto e = attempt_error_from_json(entry);
      if (!e)
        return unreadable(r.id, "an error entry: " + e.error().message());
      r.errors.push_back(std::move(e).value());
    }
  }
  return r;
}

result<job_fence, store_error> read_fence(const postgres_rows& rows, int row,
                                          int first) {
  auto state = parse_job_state(rows.text(row, first));
  if (!state)
    return store_error{store_error::code_type::corrupt,
                       "PostgreSQL: " + state.error().message()};
  return job_fence{state.value(),
                   static_cast<std::int32_t>(rows.number(row, first + 1)),
                   std::string(rows.text(row, first + 2))};
}

std::string error_history_text(const std::vector<attempt_error>& errors) {
  if (errors.empty())
    return "[]";
  auto history = nlohmann::json::array();
  for (const auto& e : errors)
    history.push_back(to_json(e));
  auto text =
      history.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // jsonb refuses the escape \u0000; a NUL in a handler's message must not
  // cost the whole batch. Escapes are walked pairwise, so an escaped
  // backslash followed by "u0000" is left alone.
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '\\')
      continue;
    if (text.compare(i + 1, 5, "u0000") == 0)
      text.replace(i + 1, 5, "ufffd");
    ++i;
  }
  return text;
}

bool text_columns_valid(const job& r) {
  for (const auto* s : {&r.type, &r.queue, &r.breaker_key, &r.owner})
    if (!valid_utf8(*s))
      return false;
  return !r.unique_key || valid_utf8(*r.unique_key);
}

} // namespace jobrt
