#include "jobrt/persistence/sqlite_store.hpp"

#include "jobrt/persistence/sqlite_error.hpp"
#include "jobrt/persistence/sqlite_file_lock.hpp"
#include "jobrt/persistence/sqlite_job_rows.hpp"
#include "jobrt/persistence/sqlite_queries.hpp"
#include "jobrt/persistence/sqlite_schema.hpp"
#include "jobrt/persistence/sqlite_statement.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace jobrt {

namespace {

using query = sqlite_query;

struct connection_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using connection = std::unique_ptr<sqlite3, connection_closer>;

/// Opens `filename` (the path, or a URI with SQLITE_OPEN_URI); errors name
/// `path`.
result<connection, store_error> connect(const std::string& path,
                                        const std::string& filename, int flags,
                                        std::chrono::milliseconds busy) {
  sqlite3* raw = nullptr;
  auto rc = sqlite3_open_v2(filename.c_str(), &raw,
                            flags | SQLITE_OPEN_NOMUTEX, nullptr);
  connection db{raw};
  if (rc != SQLITE_OK)
    return sqlite_error(db.get(), rc, path, "cannot open");
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), static_cast<int>(std::clamp<std::int64_t>(
                                     busy.count(), 0, INT32_MAX)));
  return db;
}

// Settings of the owner's connection; runs after the schema check, because
// switching to WAL writes to the file.
result<void, store_error> configure_owner(sqlite3* db, const std::string& path,
                                          const sqlite_options& options) {
  BOOST_OUTCOME_TRY(journal,
                    sqlite_prepare(db, "PRAGMA journal_mode = WAL", path));
  auto rc = journal.step();
  if (rc != SQLITE_ROW)
    return sqlite_error(db, rc, path, "cannot switch to WAL");
  if (auto mode = journal.bytes(0); mode != "wal")
    return store_error{store_error::code_type::io,
                       path + ": cannot switch to WAL (journal mode stays '" +
                           mode + "')"};
  journal.reset();
  std::string pragmas = "PRAGMA foreign_keys = OFF; PRAGMA cell_size_check = ON;";
  pragmas += options.synchronous == sqlite_options::sync_mode::full
                 ? "PRAGMA synchronous = FULL;"
                 : "PRAGMA synchronous = NORMAL;";
  if (options.max_page_count)
    pragmas += "PRAGMA max_page_count = " +
               std::to_string(*options.max_page_count) + ";";
  return sqlite_exec(db, pragmas.c_str(), path, "cannot configure");
}

/// What lies at a store's path before it is opened.
enum class store_file { missing, empty, present };

result<store_file, store_error> inspect_store_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    auto err = errno;
    if (err == ENOENT)
      return store_file::missing;
    return store_error{store_error::code_type::io,
                       path + ": cannot open: " + std::strerror(err)};
  }
  if (S_ISDIR(st.st_mode))
    return store_error{store_error::code_type::io,
                       path + " is a directory, not a jobrt store"};
  return st.st_size == 0 ? store_file::empty : store_file::present;
}

/// Refuses what is not an existing store file: nothing, or an empty file.
result<void, store_error> require_store_file(const std::string& path,
                                             store_file file) {
  if (file == store_file::missing)
    return store_error{store_error::code_type::io,
                       path + " does not exist (no jobrt store there)"};
  if (file == store_file::empty)
    return store_error{store_error::code_type::corrupt,
                       path + " is not a jobrt store (the file is empty)"};
  return outcome::success();
}

store_error no_jobrt_tables(const std::string& path) {
  return store_error{store_error::code_type::corrupt,
                     path + " is not a jobrt store (no jobrt tables)"};
}

/// Removes the file a failed open() created (the lock creates it before
/// SQLite opens it) if it holds nothing: no bytes, or, when the switch to
/// WAL wrote its first page before a later step failed, no tables. Its -wal
/// and -shm go too: left beside a later store of that name, a -wal would
/// be replayed into it.
void remove_if_blank(const std::string& path) {
  auto file = inspect_store_file(path);
  if (!file || file.value() == store_file::missing)
    return;
  if (file.value() == store_file::present) {
    auto db = connect(path, path, SQLITE_OPEN_READONLY,
                      std::chrono::milliseconds{0});
    if (!db)
      return;
    auto version = sqlite_schema_of(db.value().get(), path);
    if (!version || version.value() != 0)
      return;
  }
  for (const auto& name : {path, path + "-wal", path + "-shm"})
    ::unlink(name.c_str());
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// `path` as the path of a SQLite URI: bytes other than unreserved ones
/// and '/' percent-encoded; an absolute path gets the empty authority.
std::string uri_path(const std::string& path) {
  std::string uri = path.starts_with('/') ? "file://" : "file:";
  constexpr char hex[] = "0123456789ABCDEF";
  for (char c : path) {
    auto b = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '/' || c == '.' ||
                      c == '_' || c == '-' || c == '~';
    if (unreserved) {
      uri += c;
    } else {
      uri += '%';
      uri += hex[b >> 4];
      uri += hex[b & 0xf];
    }
  }
  return uri;
}

/// How a reader opens `path`: read-only ("mode=ro"), with SQLite's locking,
/// so it sees a running owner's commits. Where the directory is not
/// writable (read-only media) and there is no -wal to read, SQLite could
/// not create the -wal and -shm files a WAL reader wants, and no owner can
/// be writing (it would need them): the file alone is the whole store, read
/// as immutable. A -wal that holds transactions but lacks its -shm cannot
/// be read there; refused rather than shown without them.
result<std::string, store_error> reader_uri(const std::string& path) {
  auto uri = uri_path(path) + "?mode=ro";
  auto dir = std::filesystem::path(path).parent_path();
  bool writable = ::access(dir.empty() ? "." : dir.c_str(), W_OK) == 0;
  auto wal = path + "-wal";
  if (writable || (exists(wal) && exists(path + "-shm")))
    return uri;
  struct stat st {};
  if (::stat(wal.c_str(), &st) == 0 && st.st_size > 0)
    return store_error{store_error::code_type::io,
                       path + ": cannot read " + wal +
                           " without its -shm file in a read-only directory; "
                           "copy the store's files to a writable directory"};
  return uri + "&immutable=1";
}

store_error read_only_error(const std::string& path) {
  return store_error{store_error::code_type::io,
                     path + " was opened read-only"};
}

} // namespace

// -- impl ---------------------------------------------------------------------

struct sqlite_store::impl {
  // Destroyed bottom-up: statements, then the connection, then the lock.
  std::string path;
  bool read_only = false;
  sqlite_options options;
  sqlite_file_lock lock;
  connection db;
  std::array<sqlite_statement, sqlite_query_count> cache;

  result<sqlite_statement*, store_error> statement(query q) {
    auto& slot = cache[static_cast<std::size_t>(q)];
    if (!slot.prepared()) {
      BOOST_OUTCOME_TRY(prepared,
                        sqlite_prepare(db.get(),
                                       sqlite_query_sql[static_cast<std::size_t>(q)],
                                       path));
      slot = std::move(prepared);
    }
    return &slot;
  }

  store_error failure(int rc, std::string_view doing) const {
    return sqlite_error(db.get(), rc, path, doing);
  }

  /// Runs a statement without results (after binding through `bind`).
  template <class Bind>
  result<void, store_error> run(query q, std::string_view doing, Bind&& bind) {
    BOOST_OUTCOME_TRY(stmt, statement(q));
    sqlite_use use{*stmt};
    bind(*stmt);
    auto rc = stmt->step();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
      return failure(rc, doing);
    return outcome::success();
  }

  result<void, store_error> run(query q, std::string_view doing) {
    return run(q, doing, [](sqlite_statement&) {});
  }

  /// Runs `body` inside a transaction begun by `begin`; commits on success,
  /// rolls back on failure, so the store stays usable either way.
  template <class T, class Body>
  result<T, store_error> transaction(query begin, std::string_view doing,
                                     Body&& body) {
    BOOST_OUTCOME_TRYV(run(begin, doing));
    auto done = [&]() -> result<T, store_error> {
      BOOST_OUTCOME_TRY(value, body());
      BOOST_OUTCOME_TRYV(run(query::commit, doing));
      return value;
    }();
    if (!done && sqlite3_get_autocommit(db.get()) == 0)
      (void) run(query::rollback, "cannot roll back");
    return done;
  }

  /// Every row of a select bound by `bind`, decoded as jobs.
  template <class Bind>
  result<std::vector<job>, store_error> jobs(query q, Bind&& bind) {
    BOOST_OUTCOME_TRY(stmt, statement(q));
    sqlite_use use{*stmt};
    bind(*stmt);
    std::vector<job> out;
    int rc;
    while ((rc = stmt->step()) == SQLITE_ROW) {
      BOOST_OUTCOME_TRY(record, read_job_row(*stmt, path));
      out.push_back(std::move(record));
    }
    if (rc != SQLITE_DONE)
      return failure(rc, "cannot read jobs");
    BOOST_OUTCOME_TRYV(attach_errors(out));
    return out;
  }

  /// Adds each job's error history; `records` is in id order.
  result<void, store_error> attach_errors(std::vector<job>& records) {
    if (records.empty())
      return outcome::success();
    BOOST_OUTCOME_TRY(stmt, statement(query::select_errors));
    sqlite_use use{*stmt};
    stmt->bind(1, records.front().id);
    stmt->bind(2, records.back().id);
    std::size_t i = 0;
    int rc;
    while ((rc = stmt->step()) == SQLITE_ROW) {
      auto owner = stmt->int64(0);
      while (i < records.size() && records[i].id < owner)
        ++i;
      if (i == records.size())
        break;
      if (records[i].id != owner)
        continue; // a job the page filtered out
      BOOST_OUTCOME_TRY(entry, read_error_row(*stmt, path));
      records[i].errors.push_back(std::move(entry));
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
      return failure(rc, "cannot read error histories");
    return outcome::success();
  }

  /// A failure that only this record's content can cause (a value over
  /// SQLite's length limit, a constraint) names the record, so the caller
  /// can write the rest without it; a full disk or an I/O error does not.
  static store_error tied_to(const job& record, int rc, store_error e) {
    auto primary = rc & 0xff;
    if (primary == SQLITE_TOOBIG || primary == SQLITE_CONSTRAINT ||
        primary == SQLITE_MISMATCH || primary == SQLITE_RANGE) {
      if (primary == SQLITE_TOOBIG)
        e.code = store_error::code_type::too_large;
      e.record = record.id;
    }
    return e;
  }

  result<void, store_error> check_sizes(const store_batch& batch) const {
    auto limit = options.max_payload_bytes;
    for (const auto& record : batch.upserts) {
      auto too_big = [&](std::size_t size, const char* what) {
        return store_error{store_error::code_type::too_large,
                           path + ": job " + std::to_string(record.id) + ": " +
                               what + " of " + std::to_string(size) +
                               " bytes exceeds the limit of " +
                               std::to_string(limit) + " bytes",
                           record.id};
      };
      if (record.payload.size() > limit)
        return too_big(record.payload.size(), "payload");
      if (record.output && record.output->size() > limit)
        return too_big(record.output->size(), "output");
      // The runtime bounds these far lower (messages/job.hpp); a record
      // made elsewhere must not get past the store either.
      for (const auto* text : {&record.type, &record.queue, &record.breaker_key})
        if (text->size() > limit)
          return too_big(text->size(), "name");
      if (record.unique_key && record.unique_key->size() > limit)
        return too_big(record.unique_key->size(), "unique key");
      for (const auto& e : record.errors)
        if (e.error.code.size() + e.error.message.size() > limit)
          return too_big(e.error.code.size() + e.error.message.size(),
                         "error entry");
    }
    return outcome::success();
  }

  result<void, store_error> write(const job& record) {
    // Most writes change a job that exists: try the update first, and
    // insert only when it matched no row.
    BOOST_OUTCOME_TRY(updated, write_row(query::update_job, record));
    if (!updated) {
      BOOST_OUTCOME_TRYV(write_row(query::insert_job, record));
    }
    // A record's history only grows (requeue keeps it), so the rows already
    // stored are ignored and only new entries are added. The message is
    // built only on failure: this runs for every row of every commit.
    for (std::size_t seq = 0; seq < record.errors.size(); ++seq) {
      BOOST_OUTCOME_TRY(errors, statement(query::insert_error));
      sqlite_use use{*errors};
      bind_error_row(*errors, record.id, static_cast<std::int64_t>(seq),
                     record.errors[seq]);
      if (auto rc = errors->step(); rc != SQLITE_DONE)
        return tied_to(record, rc,
                       failure(rc, "cannot store the errors of job " +
                                       std::to_string(record.id)));
    }
    return outcome::success();
  }

  /// True if the statement changed a row.
  result<bool, store_error> write_row(query q, const job& record) {
    BOOST_OUTCOME_TRY(stmt, statement(q));
    sqlite_use use{*stmt};
    bind_job_row(*stmt, record);
    auto rc = stmt->step();
    if (rc == SQLITE_CONSTRAINT_UNIQUE && record.unique_key)
      return store_error{store_error::code_type::conflict,
                         path + ": cannot store job " +
                             std::to_string(record.id) + ": unique key '" +
                             *record.unique_key +
                             "' is already held by a live job",
                         record.id};
    if (rc != SQLITE_DONE)
      return tied_to(record, rc,
                     failure(rc, "cannot store job " + std::to_string(record.id)));
    return sqlite3_changes(db.get()) > 0;
  }

  result<void, store_error> remove(job_id id) {
    auto doing = "cannot remove job " + std::to_string(id);
    auto bind_id = [id](auto& st) { st.bind(1, id); };
    BOOST_OUTCOME_TRYV(run(query::delete_errors, doing, bind_id));
    return run(query::delete_job, doing, bind_id);
  }

  result<bool, store_error> apply(const store_batch& batch) {
    job_id highest = 0;
    for (const auto& record : batch.upserts) {
      BOOST_OUTCOME_TRYV(write(record));
      highest = std::max(highest, record.id);
    }
    for (auto id : batch.removals) {
      BOOST_OUTCOME_TRYV(remove(id));
    }
    if (!batch.upserts.empty()) {
      BOOST_OUTCOME_TRYV(run(query::raise_last_id, "cannot store last_id",
                             [&](auto& st) { st.bind(1, highest); }));
    }
    return true;
  }

  result<std::int64_t, store_error> last_id() {
    BOOST_OUTCOME_TRY(stmt, statement(query::select_last_id));
    sqlite_use use{*stmt};
    auto rc = stmt->step();
    if (rc != SQLITE_ROW)
      return failure(rc, "cannot read last_id");
    return stmt->int64(0);
  }
};

// -- opening ------------------------------------------------------------------

sqlite_store::sqlite_store(std::unique_ptr<impl> state)
  : impl_(std::move(state)) {}

sqlite_store::~sqlite_store() = default;

namespace {

/// The owner's connection, configured and migrated; the caller holds the
/// lock.
result<connection, store_error> connect_owner(const std::string& path,
                                              const sqlite_options& options) {
  int flags = SQLITE_OPEN_READWRITE;
  if (options.create_if_missing)
    flags |= SQLITE_OPEN_CREATE;
  BOOST_OUTCOME_TRY(db, connect(path, path, flags, options.busy_timeout));
  // Refuse before writing.
  BOOST_OUTCOME_TRY(version, sqlite_schema_of(db.get(), path));
  if (version == 0 && !options.create_if_missing)
    return no_jobrt_tables(path);
  BOOST_OUTCOME_TRYV(configure_owner(db.get(), path, options));
  BOOST_OUTCOME_TRYV(sqlite_migrate(db.get(), path));
  return db;
}

} // namespace

result<std::unique_ptr<sqlite_store>, store_error>
sqlite_store::open(const std::string& path, sqlite_options options) {
  BOOST_OUTCOME_TRY(before, inspect_store_file(path));
  if (!options.create_if_missing) {
    BOOST_OUTCOME_TRYV(require_store_file(path, before));
  }
  // The lock comes first: nothing may write before this owner is the only one.
  BOOST_OUTCOME_TRY(lock, sqlite_file_lock::acquire(path));
  auto db = connect_owner(path, options);
  if (!db) {
    if (before == store_file::missing)
      remove_if_blank(path); // still this owner's: the lock is held
    return db.error();
  }
  auto state = std::make_unique<impl>();
  state->path = path;
  state->options = options;
  state->lock = std::move(lock);
  state->db = std::move(db).value();
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(state)));
}

result<std::unique_ptr<sqlite_store>, store_error>
sqlite_store::open_reader(const std::string& path) {
  sqlite_options options;
  BOOST_OUTCOME_TRY(file, inspect_store_file(path));
  BOOST_OUTCOME_TRYV(require_store_file(path, file));
  BOOST_OUTCOME_TRY(uri, reader_uri(path));
  BOOST_OUTCOME_TRY(db, connect(path, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                                options.busy_timeout));
  BOOST_OUTCOME_TRY(version, sqlite_schema_of(db.get(), path));
  if (version == 0)
    return no_jobrt_tables(path);
  if (version < sqlite_schema_version)
    return store_error{store_error::code_type::version,
                       path + " has schema " + std::to_string(version) +
                           "; open it as its owner once to migrate it"};
  BOOST_OUTCOME_TRYV(sqlite_exec(db.get(), "PRAGMA cell_size_check = ON", path,
                                "cannot configure"));
  auto state = std::make_unique<impl>();
  state->path = path;
  state->read_only = true;
  state->options = options;
  state->db = std::move(db);
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(state)));
}

// -- job_store ------------------------------------------------------------------

result<store_snapshot, store_error> sqlite_store::load() {
  auto& s = *impl_;
  return s.transaction<store_snapshot>(
      query::begin_read, "cannot load", [&]() -> result<store_snapshot, store_error> {
        store_snapshot snapshot;
        BOOST_OUTCOME_TRY(records, s.jobs(query::select_jobs, [](auto&) {}));
        BOOST_OUTCOME_TRY(last_id, s.last_id());
        snapshot.jobs = std::move(records);
        snapshot.last_id = last_id;
        return snapshot;
      });
}

result<void, store_error> sqlite_store::commit(store_batch& batch) {
  auto& s = *impl_;
  if (s.read_only)
    return read_only_error(s.path);
  BOOST_OUTCOME_TRYV(s.check_sizes(batch));
  if (batch.empty())
    return outcome::success();
  BOOST_OUTCOME_TRYV(s.transaction<bool>(query::begin_write, "cannot commit",
                                        [&] { return s.apply(batch); }));
  return outcome::success();
}

std::size_t sqlite_store::max_payload_bytes() const noexcept {
  return impl_->options.max_payload_bytes;
}

// -- the operator's queries --------------------------------------------------------

result<state_counts, store_error> sqlite_store::count_by_state() {
  auto& s = *impl_;
  BOOST_OUTCOME_TRY(stmt, s.statement(query::count_states));
  sqlite_use use{*stmt};
  state_counts counts{};
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    BOOST_OUTCOME_TRY(state, read_state(*stmt, 0, s.path));
    counts[static_cast<std::size_t>(state)] =
        static_cast<std::uint64_t>(stmt->int64(1));
  }
  if (rc != SQLITE_DONE)
    return s.failure(rc, "cannot count jobs");
  return counts;
}

result<job_page, store_error> sqlite_store::list(const job_query& q) {
  auto& s = *impl_;
  auto limit = std::clamp<std::size_t>(q.limit, 1, max_page_size);
  return s.transaction<job_page>(
      query::begin_read, "cannot list jobs", [&]() -> result<job_page, store_error> {
        job_page page;
        BOOST_OUTCOME_TRY(records, s.jobs(query::select_page, [&](auto& st) {
          if (q.state)
            st.bind_text(1, to_string(*q.state));
          st.bind_text(2, q.type);
          st.bind_text(3, q.queue);
          st.bind(4, q.after);
          st.bind(5, static_cast<std::int64_t>(limit + 1));
        }));
        page.jobs = std::move(records);
        if (page.jobs.size() > limit) {
          page.jobs.resize(limit);
          page.next_after = page.jobs.back().id;
        }
        return page;
      });
}

result<std::optional<job>, store_error> sqlite_store::find(job_id id) {
  auto& s = *impl_;
  using found = std::optional<job>;
  return s.transaction<found>(
      query::begin_read, "cannot find a job", [&]() -> result<found, store_error> {
        BOOST_OUTCOME_TRY(records, s.jobs(query::select_job,
                                               [id](auto& st) { st.bind(1, id); }));
        if (records.empty())
          return found{};
        return found{std::move(records.front())};
      });
}

result<std::uint64_t, store_error>
sqlite_store::purge_finished(job_state state, time_point finished_before) {
  auto& s = *impl_;
  if (s.read_only)
    return read_only_error(s.path);
  if (!is_terminal(state))
    return store_error{store_error::code_type::io,
                       s.path + ": only completed, dead or cancelled jobs can "
                                "be purged, not " +
                           std::string(to_string(state)) + " ones"};
  auto bind = [&](auto& st) {
    st.bind_text(1, to_string(state));
    st.bind(2, to_millis(finished_before));
  };
  return s.transaction<std::uint64_t>(
      query::begin_write, "cannot purge", [&]() -> result<std::uint64_t, store_error> {
        BOOST_OUTCOME_TRYV(s.run(query::purge_errors, "cannot purge", bind));
        BOOST_OUTCOME_TRYV(s.run(query::purge_jobs, "cannot purge", bind));
        return static_cast<std::uint64_t>(sqlite3_changes(s.db.get()));
      });
}

result<sqlite_options::sync_mode, store_error> sqlite_store::synchronous() {
  auto& s = *impl_;
  BOOST_OUTCOME_TRY(stmt, s.statement(query::synchronous));
  sqlite_use use{*stmt};
  auto rc = stmt->step();
  if (rc != SQLITE_ROW)
    return s.failure(rc, "cannot read PRAGMA synchronous");
  // SQLite's numbering: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
  return stmt->int64(0) >= 2 ? sqlite_options::sync_mode::full
                             : sqlite_options::sync_mode::normal;
}

const std::string& sqlite_store::path() const noexcept {
  return impl_->path;
}

bool sqlite_store::read_only() const noexcept {
  return impl_->read_only;
}

} // namespace jobrt
