#include "jobrt/persistence/sqlite_job_rows.hpp"

#include "jobrt/persistence/sqlite_error.hpp"

namespace jobrt {

namespace {

store_error unreadable(const std::string& path, const std::string& what) {
  return store_error{store_error::code_type::corrupt, path + ": " + what};
}

std::optional<std::int64_t> optional_millis(std::optional<time_point> at) {
  if (!at)
    return std::nullopt;
  return to_millis(*at);
}

std::optional<time_point> optional_time(const sqlite_statement& stmt,
                                        int column) {
  auto ms = stmt.optional_int64(column);
  if (!ms)
    return std::nullopt;
  return from_millis(*ms);
}

/// Adds the error history of `record` from `history`.
result<void, store_error> read_history(job& record, sqlite_statement& history,
                                       sqlite3* db, const std::string& path) {
  sqlite_use use{history};
  history.bind(1, record.id);
  int rc;
  while ((rc = history.step()) == SQLITE_ROW) {
    BOOST_OUTCOME_TRY(entry, read_error_row(history, path));
    record.errors.push_back(std::move(entry));
  }
  if (rc != SQLITE_DONE)
    return sqlite_error(db, rc, path, "cannot read an error history");
  return outcome::success();
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
  stmt.bind(17, optional_millis(record.finished_at));
  stmt.bind_text(18, std::string_view{record.owner});
  stmt.bind(19, optional_millis(record.lease_until));
  stmt.bind(20, static_cast<std::int64_t>(record.errors.size()));
}

void bind_fence(sqlite_statement& stmt, int first, const job_fence& fence) {
  stmt.bind_text(first, to_string(fence.state));
  stmt.bind(first + 1, std::int64_t{fence.attempt});
  stmt.bind_text(first + 2, std::string_view{fence.owner});
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
  record.finished_at = optional_time(stmt, 16);
  record.owner = stmt.bytes(17);
  record.lease_until = optional_time(stmt, 18);
  return record;
}

std::int64_t read_error_count(const sqlite_statement& stmt) noexcept {
  return stmt.int64(19);
}

result<job_fence, store_error> read_fence(const sqlite_statement& stmt,
                                          const std::string& path) {
  BOOST_OUTCOME_TRY(state, read_state(stmt, 0, path));
  return job_fence{state, static_cast<std::int32_t>(stmt.int64(1)),
                   stmt.bytes(2)};
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

void bind_command_row(sqlite_statement& stmt, const operator_command& c) {
  stmt.bind(1, c.id);
  stmt.bind_text(2, to_string(c.kind));
  stmt.bind(3, to_millis(c.at));
}

result<operator_command, store_error>
read_command_row(const sqlite_statement& stmt, const std::string& path) {
  operator_command c;
  c.id = stmt.int64(0);
  c.at = from_millis(stmt.int64(2));
  auto name = stmt.bytes(1);
  for (auto kind : {operator_command::kind_type::cancel})
    if (name == to_string(kind)) {
      c.kind = kind;
      return c;
    }
  return unreadable(path, "a command for job " + std::to_string(c.id) +
                              ": unknown kind '" + name + "'");
}

result<std::vector<job>, store_error> read_jobs(sqlite_statement& rows,
                                                sqlite_statement& history,
                                                sqlite3* db,
                                                const std::string& path) {
  std::vector<job> out;
  std::vector<std::size_t> with_history;
  {
    sqlite_use use{rows};
    int rc;
    while ((rc = rows.step()) == SQLITE_ROW) {
      BOOST_OUTCOME_TRY(record, read_job_row(rows, path));
      if (read_error_count(rows) != 0)
        with_history.push_back(out.size());
      out.push_back(std::move(record));
    }
    if (rc != SQLITE_DONE)
      return sqlite_error(db, rc, path, "cannot read jobs");
  }
  for (auto i : with_history) {
    BOOST_OUTCOME_TRYV(read_history(out[i], history, db, path));
  }
  return out;
}

} // namespace jobrt
