#pragma once

// How SQLite's result codes become store_errors: one mapping for every
// statement of the SQLite store, so the same failure always reads the same;
// and the one-off calls (run a script, prepare a statement) that report
// through it.
// Internal to the SQLite store; not part of jobrt's API.

#include "jobrt/persistence/job_store.hpp"

#include <sqlite3.h>

#include "jobrt/persistence/sqlite_statement.hpp"

#include <cstdint>
#include <string_view>

namespace jobrt {

/// The store_error for result code `rc` of a call on `db` (which may be
/// null when opening failed before a handle existed). The message names the
/// file, what the store was doing, and SQLite's own explanation:
/// "PATH: cannot commit: database is locked".
///   SQLITE_NOTADB, SQLITE_CORRUPT            -> corrupt
///   SQLITE_BUSY, SQLITE_LOCKED               -> locked
///   SQLITE_FULL                              -> io ("the database is full")
///   anything else (CANTOPEN, READONLY, ...)  -> io
store_error sqlite_error(sqlite3* db, int rc, std::string_view path,
                         std::string_view doing);

/// Runs `sql` (one or more statements, no results wanted).
result<void, store_error> sqlite_exec(sqlite3* db, const char* sql,
                                      std::string_view path,
                                      std::string_view doing);

/// Prepares `sql` (one statement) for repeated use.
result<sqlite_statement, store_error> sqlite_prepare(sqlite3* db,
                                                     std::string_view sql,
                                                     std::string_view path);

/// Runs a query whose first row's first column is an integer ("PRAGMA
/// user_version"); a query without rows yields `fallback`.
result<std::int64_t, store_error> sqlite_query_int(sqlite3* db,
                                                   std::string_view sql,
                                                   std::string_view path,
                                                   std::int64_t fallback = 0);

} // namespace jobrt
