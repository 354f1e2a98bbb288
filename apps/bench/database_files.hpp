#pragma once

// The files of one SQLite database: the main file and, in WAL mode, its
// -wal and -shm files (and a -journal in rollback mode). The benchmark
// replaces its databases and reports how much disk they took.

#include <cstdint>
#include <string>

namespace bench {

/// Removes the database at `path` with its side files; missing ones are
/// fine.
void remove_database(const std::string& path);

/// Bytes on disk now (0 for a missing file).
struct database_size {
  std::uint64_t main_bytes = 0;
  /// A WAL file never shrinks while the database is open (it is reused from
  /// its start after each checkpoint), so while open this is the largest it
  /// has been.
  std::uint64_t wal_bytes = 0;
  std::uint64_t total() const noexcept { return main_bytes + wal_bytes; }
};

database_size size_of_database(const std::string& path);

} // namespace bench
