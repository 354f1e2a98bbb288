#pragma once

// How a SQLite store is opened (persistence/sqlite_store.hpp): apart, so
// that runtime_config can name them without the store's own header.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace jobrt {

struct sqlite_options {
  enum class sync_mode : std::uint8_t { full, normal };
  sync_mode synchronous = sync_mode::full;
  /// Largest payload (and handler output, name, unique key, error entry)
  /// accepted, in bytes. A record with a larger one is refused in the
  /// receipt as store_error::too_large; the runtime checks enqueues against
  /// it first (max_payload_bytes()).
  std::size_t max_payload_bytes = std::size_t{1} << 20;
  /// Caps the database at this many pages (SQLite's max_page_count); a
  /// commit that needs more fails as store_error::io ("full"). Unset: no
  /// cap but the disk's. Tests use it to simulate a full disk.
  std::optional<std::int64_t> max_page_count;
  /// How long a statement waits for another connection's lock before it
  /// fails with store_error::locked.
  std::chrono::milliseconds busy_timeout{2000};
  /// false: open() accepts only an existing jobrt store, as a tool that
  /// changes one must (a mistyped path is not a new, empty store). A missing
  /// path is refused with store_error::io, an empty file or a database
  /// without jobrt's tables with store_error::corrupt, and nothing is
  /// created or written.
  bool create_if_missing = true;
};

} // namespace jobrt
