#pragma once

// The store interface (DESIGN.md, "Persistence"). The supervisor owns the
// job table in memory and makes every change durable through a store before
// its effect is visible: it gathers the changes of one turn into a
// store_batch, commits it, and only then acknowledges enqueues, hands
// dispatched attempts to handlers and publishes events.
//
// A store is used by one supervisor at a time, from that supervisor's turn
// (never concurrently); an implementation needs no locking of its own for
// that use. Ids are assigned by the supervisor from the store's last_id, so
// a store must remember the highest id it ever saw, even after purges.

#include "jobrt/messages/job.hpp"

#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobrt {

struct store_error {
  enum class code_type : std::uint8_t {
    io,        ///< the medium failed (full disk, read-only directory, ...)
    corrupt,   ///< the data is not a jobrt store, or is damaged
    locked,    ///< another process holds the store
    too_large, ///< a record exceeds the store's limits
    version,   ///< written by a newer jobrt
    conflict,  ///< a unique key is already held by another live job
  };
  code_type code = code_type::io;
  std::string message;
  /// Set when the failure is tied to this one record of the batch (it is
  /// too large, or breaks a constraint): the rest of the batch could be
  /// written without it.
  std::optional<job_id> record = std::nullopt;

  friend bool operator==(const store_error&, const store_error&) = default;
};

std::string_view to_string(store_error::code_type c) noexcept;

/// "code: message", for logs and refusals.
std::string describe(const store_error& e);

/// Everything one turn changed: whole records to insert or replace, and ids
/// to remove. All or nothing.
struct store_batch {
  std::vector<job> upserts;
  std::vector<job_id> removals;

  bool empty() const noexcept { return upserts.empty() && removals.empty(); }
};

/// What the runtime starts from.
struct store_snapshot {
  std::vector<job> jobs; ///< every record not purged, in id order
  job_id last_id = 0;    ///< the highest id ever committed
};

class job_store {
public:
  virtual ~job_store() = default;

  /// "memory", "sqlite", ... for logs.
  virtual std::string_view name() const noexcept = 0;

  virtual result<store_snapshot, store_error> load() = 0;

  /// Makes the batch durable before returning success; on failure nothing
  /// of it is applied. The store may move records out of `batch`; the
  /// caller clears it afterwards either way.
  virtual result<void, store_error> commit(store_batch& batch) = 0;

  /// The largest payload the store accepts; the runtime refuses larger
  /// enqueues up front (request_error::too_large).
  virtual std::size_t max_payload_bytes() const noexcept { return SIZE_MAX; }

  /// Whether commit() waits on I/O. The runtime commits a store that does
  /// not inline, and gives one that does a store actor on its own thread.
  virtual bool blocks_on_io() const noexcept { return true; }
};

} // namespace jobrt
