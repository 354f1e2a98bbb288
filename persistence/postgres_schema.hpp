#pragma once

// The PostgreSQL store's layout (docs/postgres-schema.md) and its versioned
// migrations. Several processes may start at once on one database: the
// migration runs under a transaction-level advisory lock, so exactly one
// applies each step and the others find the schema current.
// Internal to the PostgreSQL store; not part of jobrt's API.

#include "jobrt/persistence/postgres_connection.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace jobrt {

/// The schema version this build writes; a newer one is refused
/// (store_error::version).
inline constexpr std::int32_t postgres_schema_version = 1;

/// Whether `name` may name the store's schema: lower-case letters, digits
/// and '_', starting with a letter or '_', at most 50 bytes (the schema
/// name also names the notification channel). The error says why not.
result<void, store_error> check_schema_name(std::string_view name);

/// `sql` with every "{s}" replaced by the schema name.
std::string in_schema(std::string_view sql, std::string_view schema);

/// Creates the schema or migrates it to postgres_schema_version. Returns
/// the version found before (0: created now).
result<std::int32_t, store_error> postgres_migrate(postgres_connection& c,
                                                   std::string_view schema);

/// The version of an existing schema, without changing it: store_error::io
/// when there is none ("no jobrt schema ..."), version when newer.
result<std::int32_t, store_error> postgres_schema_of(postgres_connection& c,
                                                     std::string_view schema);

} // namespace jobrt
