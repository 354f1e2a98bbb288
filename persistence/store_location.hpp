#pragma once

// One way to name a store everywhere (runtime_config::database, --db of
// jobctl, jobrt-demo, jobrt-bench and jobrtd): a postgresql:// or
// postgres:// URI names a PostgreSQL database, anything else a SQLite file.

#include "jobrt/persistence/job_store.hpp"
#include "jobrt/persistence/postgres_options.hpp"
#include "jobrt/persistence/sqlite_options.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace jobrt {

/// Whether `location` names a PostgreSQL database (postgres_connection.hpp).
bool names_postgres(std::string_view location) noexcept;

/// Opens the store `location` names as a runtime does: a SQLite file as its
/// owner (sqlite_store::open), a PostgreSQL database as a node
/// (postgres_store::open).
result<std::shared_ptr<job_store>, store_error>
open_store_at(const std::string& location, const sqlite_options& sqlite,
              const postgres_options& postgres);

} // namespace jobrt
