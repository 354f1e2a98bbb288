#pragma once

// The benchmark's schemas on a PostgreSQL server: one per run, bench_<pid>
// (and its references' beside it), dropped when the run ends.

#include <string>

namespace bench {

/// "bench_<pid>": unique among the runs on one machine at a time; in a
/// node process of --nodes (node_child.hpp), its parent's.
std::string run_schema();

/// Makes run_schema() `schema` from now on (a node process).
void use_run_schema(std::string schema);

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
