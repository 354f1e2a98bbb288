#pragma once

// The benchmark's schemas on a PostgreSQL server: one per run, bench_<pid>
// (and its reference's beside it), dropped when the run ends.

#include <string>

namespace bench {

/// "bench_<pid>": unique among the runs on one machine at a time.
std::string run_schema();

/// DROP SCHEMA IF EXISTS ... CASCADE on a connection of its own; false
/// (after saying why on stderr) when it could not.
bool drop_postgres_schema(const std::string& uri, const std::string& schema);

/// Drops the schema when the run ends, however it ends.
struct postgres_schema_dropper {
  std::string uri;
  std::string schema;
  ~postgres_schema_dropper() {
    if (!uri.empty())
      (void) drop_postgres_schema(uri, schema);
  }
};

} // namespace bench
