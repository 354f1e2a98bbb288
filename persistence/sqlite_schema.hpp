#pragma once

// The SQLite store's schema and its migrations (docs/sqlite-schema.md).
// PRAGMA user_version holds the schema version of a file: 0 for a file
// jobrt never wrote, sqlite_schema_version once migrated. Migration step i
// takes a file from version i to i + 1; open() applies the missing steps in
// one transaction, so a file is always at one whole version.
// Internal to the SQLite store; not part of jobrt's API.

#include "jobrt/persistence/job_store.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace jobrt {

/// The version of the file on `db`, which must be a jobrt store or empty
/// (version 0). Writes nothing. Refuses a database with other tables
/// (store_error::corrupt, "not a jobrt store") and a newer schema
/// (store_error::version).
result<std::int32_t, store_error> sqlite_schema_of(sqlite3* db,
                                                   const std::string& path);

/// Brings the file up to sqlite_schema_version in one transaction; the
/// caller holds the owner's lock.
result<void, store_error> sqlite_migrate(sqlite3* db, const std::string& path);

} // namespace jobrt
