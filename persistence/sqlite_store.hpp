#pragma once

// The SQLite store: jobrt's embedded, durable default (DESIGN.md,
// "Persistence"). One file holds every job; an operator can read it with the
// plain `sqlite3` shell (see docs/sqlite-schema.md for the layout and the
// questions it answers).
//
// Access modes:
//   open()         the owner: a runtime, or jobctl while it changes jobs.
//                  Creates the file if missing (unless
//                  sqlite_options::create_if_missing is false), applies the
//                  schema migrations, and holds an exclusive lock on the file
//                  (flock) for its whole life, so a second owner is refused
//                  with store_error::locked instead of corrupting it. The
//                  lock dies with the process, so a kill -9 never leaves it
//                  stale. flock is not reliable on network filesystems:
//                  keep the file on a local disk.
//   open_reader()  read-only, no lock: jobctl's reading commands, which may
//                  run while a runtime owns the file (WAL lets readers and
//                  one writer work at once), and on read-only media (a
//                  snapshot, a backup mount, a read-only directory).
//
// Durability: WAL journal; synchronous=FULL by default, so a committed batch
// survives a power cut. NORMAL is faster (one fsync per WAL checkpoint
// instead of per commit) and still survives a process crash, but a power cut
// may lose the last transactions: it trades durability of the most recent
// acknowledgements for throughput.
//
// Threads: one store object is used by one thread at a time (the store
// actor, or jobctl). Separate objects on the same file may be used from
// separate threads or processes.

#include "jobrt/messages/job_query.hpp"
#include "jobrt/persistence/job_store.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace jobrt {

/// The schema version this build writes; open() migrates older files up to
/// it and refuses newer ones with store_error::version.
inline constexpr std::int32_t sqlite_schema_version = 1;

struct sqlite_options {
  enum class sync_mode : std::uint8_t { full, normal };
  sync_mode synchronous = sync_mode::full;
  /// Largest payload (and handler output) accepted, in bytes. A larger one
  /// is refused as store_error::too_large; the runtime checks enqueues
  /// against it first (max_payload_bytes()).
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

/// Jobs per state, indexed by static_cast<size_t>(job_state).
using state_counts = std::array<std::uint64_t, all_job_states.size()>;

class sqlite_store final : public job_store {
public:
  /// Opens (creating if missing, unless options.create_if_missing is false)
  /// `path` as its owner; see above. A file this call created is removed
  /// again if the open fails, so a failure leaves no empty file behind.
  static result<std::unique_ptr<sqlite_store>, store_error>
  open(const std::string& path, sqlite_options options = {});

  /// Opens an existing store read-only. A missing file, an empty file, a
  /// file that is not a jobrt store, and a newer schema are errors; commit()
  /// is refused. Where SQLite cannot create the -shm file a WAL reader needs
  /// (a read-only directory or mount), the file is read as immutable; a
  /// non-empty -wal there without its -shm is refused (store_error::io)
  /// rather than read without the transactions it holds.
  static result<std::unique_ptr<sqlite_store>, store_error>
  open_reader(const std::string& path);

  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  // -- job_store ------------------------------------------------------------

  std::string_view name() const noexcept override { return "sqlite"; }
  result<store_snapshot, store_error> load() override;
  /// One transaction: upserts (the whole record, with its error history in
  /// job_errors) and removals. Every record is checked against the size
  /// limit before anything is written.
  result<void, store_error> commit(store_batch& batch) override;
  std::size_t max_payload_bytes() const noexcept override;

  // -- the operator's queries ------------------------------------------------

  result<state_counts, store_error> count_by_state();
  /// In id order after query.after; limit clamped to [1, max_page_size].
  result<job_page, store_error> list(const job_query& query);
  /// The record with its error history; nullopt if no such job.
  result<std::optional<job>, store_error> find(job_id id);
  /// Removes every job in `state` (a terminal state) finished before
  /// `finished_before`; returns how many. Owner only.
  result<std::uint64_t, store_error> purge_finished(job_state state,
                                                    time_point finished_before);

  /// The synchronous mode SQLite applies on this connection (it is not
  /// stored in the file, so only the connection can tell).
  result<sqlite_options::sync_mode, store_error> synchronous();

  const std::string& path() const noexcept;
  bool read_only() const noexcept;

private:
  struct impl;
  explicit sqlite_store(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace jobrt
