#include "jobrt/persistence/sqlite_error.hpp"

#include <string>

namespace jobrt {

namespace {

store_error::code_type code_for(int primary) noexcept {
  using code = store_error::code_type;
  switch (primary) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return code::corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return code::locked;
    default: return code::io;
  }
}

// The handle's message describes the last call only if that call failed
// with `rc`; otherwise fall back to the generic text of the code.
std::string explanation(sqlite3* db, int rc) {
  if ((rc & 0xff) == SQLITE_FULL)
    return "the database is full (disk full or max_page_count reached)";
  if (db != nullptr && sqlite3_extended_errcode(db) == rc)
    return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

} // namespace

store_error sqlite_error(sqlite3* db, int rc, std::string_view path,
                         std::string_view doing) {
  std::string message{path};
  message += ": ";
  message += doing;
  message += ": ";
  message += explanation(db, rc);
  return store_error{code_for(rc & 0xff), std::move(message)};
}

result<void, store_error> sqlite_exec(sqlite3* db, const char* sql,
                                      std::string_view path,
                                      std::string_view doing) {
  auto rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    return sqlite_error(db, rc, path, doing);
  return outcome::success();
}

result<sqlite_statement, store_error> sqlite_prepare(sqlite3* db,
                                                     std::string_view sql,
                                                     std::string_view path) {
  sqlite3_stmt* stmt = nullptr;
  auto rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                               SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqlite_error(db, rc, path, "cannot prepare a query");
  }
  return sqlite_statement{stmt};
}

result<std::int64_t, store_error> sqlite_query_int(sqlite3* db,
                                                   std::string_view sql,
                                                   std::string_view path,
                                                   std::int64_t fallback) {
  BOOST_OUTCOME_TRY(stmt, sqlite_prepare(db, sql, path));
  auto rc = stmt.step();
  if (rc == SQLITE_ROW)
    return stmt.int64(0);
  if (rc == SQLITE_DONE)
    return fallback;
  return sqlite_error(db, rc, path, "cannot read the database");
}

} // namespace jobrt
