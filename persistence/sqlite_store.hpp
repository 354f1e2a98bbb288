#pragma once

// The SQLite store: jobrt's embedded, durable default (DESIGN.md,
// "Persistence"). One file holds every job; an operator can read it with the
// plain `sqlite3` shell (see docs/sqlite-schema.md for the layout and the
// questions it answers).
//
// Access modes:
//   open()          the owner: a runtime, or jobctl changing jobs while no
//                   runtime runs. Creates the file if missing (unless
//                   sqlite_options::create_if_missing is false), applies the
//                   schema migrations, and holds an exclusive lock on the
//                   file (flock) for its whole life, so a second owner is
//                   refused with store_error::locked instead of corrupting
//                   it. The lock dies with the process, so a kill -9 never
//                   leaves it stale. flock is not reliable on network
//                   filesystems: keep the file on a local disk. Its reader()
//                   reads on a connection of its own.
//   open_operator() changes beside a running owner: jobctl's cancel,
//                   requeue and purge while a runtime runs. Opens an
//                   existing store at this build's schema read-write,
//                   without the lock; it never creates, migrates or switches
//                   the journal mode (an older schema is refused: its owner
//                   migrates it). Its commit takes fenced writes, removals,
//                   purge and posted operator commands; the owner's verbs
//                   (inserts, renewal, rescue, claims, stage, take_commands)
//                   are refused whole with store_error::not_owner.
//   open_reader()   read-only, no lock: jobctl's reading commands, which may
//                   run while a runtime owns the file (WAL lets readers and
//                   one writer work at once), and on read-only media (a
//                   snapshot, a backup mount, a read-only directory).
//
// Why an operator may write beside the owner: every change it can make is
// a fenced write (or a removal, or a purge of finished jobs), and runs in a
// BEGIN IMMEDIATE transaction, as every commit of the owner does, so the two
// never interleave within a transaction. The owner's changes are fenced
// too: whichever of two changes decided from the same row comes second
// finds the row moved and is refused, never overwriting the other. The
// owner drops a job whose write is refused (supervisor.hpp), and a job it
// does not hold is only in the file. What the owner keeps in memory beyond
// that is its own: the next id (so no insert), its claims and leases (so
// no claim, renewal or rescue), what it has staged (so no stage), and the
// commands posted for it (so no take). A running attempt can only be
// stopped by its runtime, which is what operator commands are for
// (messages/store_batch.hpp). The lock stays the owner's: a second runtime
// on the file would claim what the first one runs.
//
// Durability: WAL journal; synchronous=FULL by default, so a committed batch
// survives a power cut. NORMAL is faster (one fsync per WAL checkpoint
// instead of per commit) and still survives a process crash, but a power cut
// may lose the last transactions: it trades durability of the most recent
// acknowledgements for throughput.
//
// Threads: commit() is called by one thread at a time (job_store); a
// reader, the owner's or open_reader()'s, may be called from any thread.
// Separate objects on the same file may be used from separate threads or
// processes.

#include "jobrt/messages/job_query.hpp"
#include "jobrt/persistence/job_store.hpp"
#include "jobrt/persistence/sqlite_options.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace jobrt {

/// The schema version this build writes; open() migrates older files up to
/// it and refuses newer ones with store_error::version.
inline constexpr std::int32_t sqlite_schema_version = 2;

/// The read side of a store file, on a read-only connection of its own
/// (job_reader): thread-safe, and it sees every transaction an owner
/// committed, in this process or another.
class sqlite_reader final : public job_reader {
public:
  ~sqlite_reader() override;
  sqlite_reader(const sqlite_reader&) = delete;
  sqlite_reader& operator=(const sqlite_reader&) = delete;

  result<std::optional<job>, store_error> find(job_id id) override;
  result<job_page, store_error> list(const job_query& query) override;
  result<state_counts, store_error> count_by_state() override;
  result<std::vector<type_count>, store_error> live_by_type() override;

  const std::string& path() const noexcept;

private:
  friend class sqlite_store;
  struct impl;
  explicit sqlite_reader(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

class sqlite_store final : public job_store {
public:
  /// Opens (creating if missing, unless options.create_if_missing is false)
  /// `path` as its owner; see above. A file this call created is removed
  /// again if the open fails, so a failure leaves no empty file behind.
  static result<std::unique_ptr<sqlite_store>, store_error>
  open(const std::string& path, sqlite_options options = {});

  /// Opens an existing store for an operator's changes beside its owner;
  /// see above. A missing file, an empty file, a file that is not a jobrt
  /// store, and an older or newer schema are errors; nothing is created or
  /// written. options.busy_timeout bounds how long a commit waits for the
  /// owner's transaction (then store_error::locked);
  /// options.create_if_missing is ignored.
  static result<std::unique_ptr<sqlite_store>, store_error>
  open_operator(const std::string& path, sqlite_options options = {});

  /// Opens an existing store read-only. A missing file, an empty file, a
  /// file that is not a jobrt store, and an older or newer schema are
  /// errors. Where SQLite cannot create the -shm file a WAL reader needs
  /// (a read-only directory or mount), the file is read as immutable; a
  /// non-empty -wal there without its -shm is refused (store_error::io)
  /// rather than read without the transactions it holds.
  static result<std::unique_ptr<sqlite_reader>, store_error>
  open_reader(const std::string& path);

  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  // -- job_store ------------------------------------------------------------

  std::string_view name() const noexcept override { return "sqlite"; }
  /// One BEGIN IMMEDIATE transaction for the whole batch. A record over
  /// max_payload_bytes, or one SQLite refuses (too big, a unique key held
  /// by another live job), is refused in the receipt and the rest is
  /// written; a failure of the medium (full, I/O, busy) rolls everything
  /// back and is the store_error.
  result<store_receipt, store_error> commit(store_batch& batch) override;
  /// The store's reader: its own read-only connection on the file. Use it
  /// only while the store lives (closing the owner's lock would drop the
  /// reader connection's locks too).
  std::shared_ptr<job_reader> reader() override;
  std::size_t max_payload_bytes() const noexcept override;

  /// The synchronous mode SQLite applies on this connection (it is not
  /// stored in the file, so only the connection can tell).
  result<sqlite_options::sync_mode, store_error> synchronous();

  const std::string& path() const noexcept;

private:
  struct impl;
  explicit sqlite_store(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace jobrt
