#include "jobrt/persistence/sqlite_job_rows.hpp"

namespace jobrt {

namespace {

store_error unreadable(const std::string& path, const std::string& what) {
  return store_error{store_error::code_type::corrupt, path + ": " + what};
}

} // namespace

void bind_job_row(sqlite_statement& stmt, const job& record) {
  stmt.bind(1, record.id);
  stmt.bind_text(2, std::string_view{record.type});
  stmt.bind_text(3, std::string_view{record.queue});
  stmt.bind_blob(4, std::string_view{record.payload});
  stmt.bind(5, std::int64_t{record.priority});
  stmt.bind_text(6, to_string(record.state));
  stmt.bind(7, std::int64_t{record.attempt});
  stmt.bind(8, std::int64_t{record.max_attempts});
  stmt.bind(9, to_millis(record.run_at));
  stmt.bind(10, std::int64_t{record.timeout.count()});
  stmt.bind_text(11, std::string_view{record.breaker_key});
  stmt.bind_text(12, record.unique_key);
  stmt.bind(13, std::int64_t{record.cancel_requested ? 1 : 0});
  stmt.bind_blob(14, record.output);
  stmt.bind(15, to_millis(record.created_at));
  stmt.bind(16, to_millis(record.updated_at));
  if (record.finished_at)
    stmt.bind(17, to_millis(*record.finished_at));
  else
    stmt.bind_null(17);
}

result<job_state, store_error> read_state(const sqlite_statement& stmt,
                                          int column, const std::string& path) {
  auto name = stmt.bytes(column);
  auto state = parse_job_state(name);
  if (!state)
    return unreadable(path, state.error().message());
  return state.value();
}

result<job, store_error> read_job_row(const sqlite_statement& stmt,
                                      const std::string& path) {
  job record;
  record.id = stmt.int64(0);
  record.type = stmt.bytes(1);
  record.queue = stmt.bytes(2);
  record.payload = stmt.bytes(3);
  record.priority = static_cast<std::int32_t>(stmt.int64(4));
  auto state = parse_job_state(stmt.bytes(5));
  if (!state)
    return unreadable(path, "job " + std::to_string(record.id) + ": " +
                                state.error().message());
  record.state = state.value();
  record.attempt = static_cast<std::int32_t>(stmt.int64(6));
  record.max_attempts = static_cast<std::int32_t>(stmt.int64(7));
  record.run_at = from_millis(stmt.int64(8));
  record.timeout = duration{stmt.int64(9)};
  record.breaker_key = stmt.bytes(10);
  record.unique_key = stmt.optional_bytes(11);
  record.cancel_requested = stmt.int64(12) != 0;
  record.output = stmt.optional_bytes(13);
  record.created_at = from_millis(stmt.int64(14));
  record.updated_at = from_millis(stmt.int64(15));
  if (auto finished = stmt.optional_int64(16))
    record.finished_at = from_millis(*finished);
  return record;
}

void bind_error_row(sqlite_statement& stmt, job_id id, std::int64_t seq,
                    const attempt_error& entry) {
  stmt.bind(1, id);
  stmt.bind(2, seq);
  stmt.bind(3, std::int64_t{entry.attempt});
  stmt.bind_text(4, to_string(entry.error.kind));
  stmt.bind_text(5, std::string_view{entry.error.code});
  stmt.bind_text(6, std::string_view{entry.error.message});
  if (entry.error.retry_after)
    stmt.bind(7, std::int64_t{entry.error.retry_after->count()});
  else
    stmt.bind_null(7);
  stmt.bind(8, to_millis(entry.at));
}

result<attempt_error, store_error> read_error_row(const sqlite_statement& stmt,
                                                  const std::string& path) {
  attempt_error entry;
  entry.attempt = static_cast<std::int32_t>(stmt.int64(1));
  auto kind = parse_error_kind(stmt.bytes(2));
  if (!kind)
    return unreadable(path, "an error of job " + std::to_string(stmt.int64(0)) +
                                ": " + kind.error().message());
  entry.error.kind = kind.value();
  entry.error.code = stmt.bytes(3);
  entry.error.message = stmt.bytes(4);
  if (auto after = stmt.optional_int64(5))
    entry.error.retry_after = duration{*after};
  entry.at = from_millis(stmt.int64(6));
  return entry;
}

} // namespace jobrt
