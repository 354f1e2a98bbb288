#pragma once

// jobrt-demo's command line.
//
// --db names the store as runtime_config::database does
// (persistence/store_location.hpp): a SQLite file, or a PostgreSQL database
// by a postgresql:// or postgres:// URI, whose jobs several demo processes
// may share. --nodes N starts N demo processes on that database
// (node_group.hpp), each with the same arguments plus the hidden
// --node-index, its place among them.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace jobrt::demo {

struct demo_options {
  std::string log_path = "jobrt-demo.log";
  std::string db_path = "jobrt-demo.db";
  bool memory = false;
  /// Ends the process abruptly after this long, as a crash would; for
  /// trying (and testing) a resumed run.
  std::optional<std::chrono::milliseconds> crash_after;
  /// PostgreSQL: the schema that holds the demo's queue.
  std::string schema = "jobrt";
  /// Start this many demo processes on the database and report on them.
  std::optional<std::size_t> nodes;
  /// Set in each of those processes: which of them it is.
  std::optional<std::size_t> node_index;

  /// Whether --db names a PostgreSQL database (and the store is not memory).
  bool on_postgres() const;
};

/// The options, or nullopt after saying on stderr what is wrong.
std::optional<demo_options> parse_options(int argc, char** argv);

} // namespace jobrt::demo
