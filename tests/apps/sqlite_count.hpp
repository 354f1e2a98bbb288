#pragma once

// Counts read straight from a store file with the sqlite3 C API, on a
// read-only connection (allowed while a runtime owns the file; see
// docs/sqlite-schema.md): what the tests of the apps check a run left.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

namespace jobrt::test {

/// The single integer `sql` (a SELECT count(*) ...) yields on `db`; nullopt
/// when the file cannot be read yet (missing, no schema, busy).
inline std::optional<std::int64_t> sqlite_count(const std::string& db,
                                                const char* sql) {
  sqlite3* connection = nullptr;
  std::optional<std::int64_t> count;
  if (sqlite3_open_v2(db.c_str(), &connection, SQLITE_OPEN_READONLY,
                      nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(connection, sql, -1, &statement, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
      count = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
  }
  sqlite3_close(connection);
  return count;
}

inline constexpr const char* processing_jobs =
    "SELECT count(*) FROM jobs WHERE state = 'processing'";
inline constexpr const char* all_jobs = "SELECT count(*) FROM jobs";
inline constexpr const char* abandoned_attempts =
    "SELECT count(*) FROM job_errors WHERE kind = 'abandoned'";

} // namespace jobrt::test
