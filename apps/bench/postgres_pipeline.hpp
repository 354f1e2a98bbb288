#pragma once

// What the raw libpq references (postgres_reference.hpp) share: a fresh
// schema with the store's own tables, a connection with the store's
// durability (synchronous_commit=on) and prepared statements, and one
// transaction sent as one pipeline (libpq pipeline mode): BEGIN, the
// statements, COMMIT and a sync, then every result read back. A transaction
// then costs one round trip and one WAL flush, however many statements it
// holds.
//
// The connection is non-blocking while it pipelines: thousands of
// statements in flight would otherwise fill both socket buffers (the
// client still sending, the server waiting for it to read its results) and
// stall for good. Results are read into libpq's buffer as they come.

#include "jobrt/messages/result.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct pg_conn;

namespace bench {

using pg_status = jobrt::result<void, std::string>;

struct pg_connection_closer {
  void operator()(pg_conn* c) const;
};
using pg_connection = std::unique_ptr<pg_conn, pg_connection_closer>;

/// A prepared statement: its name and SQL, where "{s}" stands for the
/// schema. The server infers the parameters' types.
struct pg_statement {
  const char* name;
  const char* sql;
};

/// Drops `schema`, gives it the store's tables (its migrations, by
/// opening the store as a tool) and connects with synchronous_commit=on,
/// `statements` prepared, in pipeline mode. `what` prefixes every error.
jobrt::result<pg_connection, std::string>
open_reference_connection(const std::string& uri, const std::string& schema,
                          const std::vector<pg_statement>& statements,
                          const std::string& what);

/// One prepared statement to run, and the rows it must change.
struct pg_call {
  const char* statement;
  std::vector<std::string> params; ///< text values
  std::size_t rows = 0;
};

/// BEGIN, `calls` and COMMIT as one pipeline. Fails, naming the statement,
/// when one fails or changes other than its rows (a fence that did not
/// hold).
pg_status run_pipelined_transaction(pg_conn* c, const std::vector<pg_call>& calls,
                                    const std::string& what);

} // namespace bench
