#include "jobrt/persistence/sqlite_store.hpp"

#include "jobrt/persistence/job_claim.hpp"
#include "jobrt/persistence/sqlite_error.hpp"
#include "jobrt/persistence/sqlite_file_lock.hpp"
#include "jobrt/persistence/sqlite_job_rows.hpp"
#include "jobrt/persistence/sqlite_queries.hpp"
#include "jobrt/persistence/sqlite_schema.hpp"
#include "jobrt/persistence/sqlite_statement.hpp"
#include "jobrt/persistence/store_rules.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
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

/// Settings of a connection that writes (the owner's, an operator's):
/// they live in the connection, not in the file.
result<void, store_error> configure_writer(sqlite3* db, const std::string& path,
                                           const sqlite_options& options) {
  std::string pragmas = "PRAGMA foreign_keys = OFF; PRAGMA cell_size_check = ON;";
  pragmas += options.synchronous == sqlite_options::sync_mode::full
                 ? "PRAGMA synchronous = FULL;"
                 : "PRAGMA synchronous = NORMAL;";
  if (options.max_page_count)
    pragmas += "PRAGMA max_page_count = " +
               std::to_string(*options.max_page_count) + ";";
  return sqlite_exec(db, pragmas.c_str(), path, "cannot configure");
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
  return configure_writer(db, path, options);
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

/// Refuses a file that is not at this build's schema, for a connection
/// that must not migrate it (a newer one sqlite_schema_of refused already);
/// `remedy` tells what to do about an older one.
result<void, store_error> require_current_schema(const std::string& path,
                                                 std::int32_t version,
                                                 std::string_view remedy) {
  if (version == 0)
    return no_jobrt_tables(path);
  if (version < sqlite_schema_version)
    return store_error{store_error::code_type::version,
                       path + " has schema " + std::to_string(version) + "; " +
                           std::string(remedy)};
  return outcome::success();
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

/// A count or limit as SQLite's INTEGER.
std::int64_t as_limit(std::size_t n) noexcept {
  return n > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX
                                                 : static_cast<std::int64_t>(n);
}

/// Whether SQLite's code rejects one record (a value over its length limit,
/// a constraint) rather than the medium. Such a statement fails alone: the
/// transaction goes on without it. A full disk, an I/O error or a busy
/// file may have ended the transaction, and fail the whole commit.
bool refuses_record(int rc) noexcept {
  auto primary = rc & 0xff;
  return primary == SQLITE_TOOBIG || primary == SQLITE_CONSTRAINT ||
         primary == SQLITE_MISMATCH || primary == SQLITE_RANGE;
}

/// SQLite's refusal of record `id`, as a store_error naming it.
store_error record_error(int rc, store_error e, std::optional<job_id> id) {
  if ((rc & 0xff) == SQLITE_TOOBIG)
    e.code = store_error::code_type::too_large;
  e.record = id;
  return e;
}

/// `e` (from store_rules, which names no record) about job `id` of `path`.
store_error about_job(const std::string& path, job_id id, store_error e) {
  e.message = path + ": job " + std::to_string(id) + ": " + e.message;
  e.record = id;
  return e;
}

/// `e` about a job that was to be inserted and so has no id.
store_error about_new_job(const std::string& path, const job& j,
                          store_error e) {
  e.message = path + ": a new '" + j.type + "' job: " + e.message;
  return e;
}

/// One connection to a store file and the statements prepared on it. Used
/// by one thread at a time.
class sqlite_connection {
public:
  sqlite_connection(std::string path, connection db)
    : path_(std::move(path)), db_(std::move(db)) {}

  sqlite3* db() const noexcept { return db_.get(); }
  const std::string& path() const noexcept { return path_; }

  result<sqlite_statement*, store_error> statement(query q) {
    auto i = static_cast<std::size_t>(q);
    auto& slot = cache_[i];
    if (!slot.prepared()) {
      BOOST_OUTCOME_TRY(prepared,
                        sqlite_prepare(db(), sqlite_query_sql[i], path_));
      slot = std::move(prepared);
    }
    return &slot;
  }

  store_error failure(int rc, std::string_view doing) const {
    return sqlite_error(db(), rc, path_, doing);
  }

  /// Runs a statement bound by `bind` to its end; SQLite's code (SQLITE_DONE,
  /// or the failure) for the caller to judge.
  template <class Bind>
  result<int, store_error> execute(query q, Bind&& bind) {
    BOOST_OUTCOME_TRY(stmt, statement(q));
    sqlite_use use{*stmt};
    bind(*stmt);
    auto rc = stmt->step();
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
  }

  /// Runs a statement without results; any failure is the store's.
  template <class Bind>
  result<void, store_error> run(query q, std::string_view doing, Bind&& bind) {
    BOOST_OUTCOME_TRY(rc, execute(q, std::forward<Bind>(bind)));
    if (rc != SQLITE_DONE)
      return failure(rc, doing);
    return outcome::success();
  }

  result<void, store_error> run(query q, std::string_view doing) {
    return run(q, doing, [](sqlite_statement&) {});
  }

  /// Rows changed by the last statement run.
  std::int64_t changes() const noexcept { return sqlite3_changes(db()); }

  /// Runs `body` inside a transaction begun by `begin`; commits on success,
  /// rolls back on failure, so the connection stays usable either way.
  template <class T, class Body>
  result<T, store_error> transaction(query begin, std::string_view doing,
                                     Body&& body) {
    BOOST_OUTCOME_TRYV(run(begin, doing));
    auto done = [&]() -> result<T, store_error> {
      BOOST_OUTCOME_TRY(value, body());
      BOOST_OUTCOME_TRYV(run(query::commit, doing));
      return std::move(value);
    }();
    if (!done && sqlite3_get_autocommit(db()) == 0)
      (void) run(query::rollback, "cannot roll back");
    return done;
  }

  /// Every row of a select bound by `bind`, with their error histories.
  template <class Bind>
  result<std::vector<job>, store_error> jobs(query q, Bind&& bind) {
    BOOST_OUTCOME_TRY(rows, statement(q));
    BOOST_OUTCOME_TRY(history, statement(query::select_history));
    bind(*rows);
    return read_jobs(*rows, *history, db(), path_);
  }

  /// The first column of the first row of a select, as an integer.
  template <class Bind>
  result<std::optional<std::int64_t>, store_error>
  integer(query q, std::string_view doing, Bind&& bind) {
    BOOST_OUTCOME_TRY(stmt, statement(q));
    sqlite_use use{*stmt};
    bind(*stmt);
    auto rc = stmt->step();
    if (rc == SQLITE_DONE)
      return std::optional<std::int64_t>{};
    if (rc != SQLITE_ROW)
      return failure(rc, doing);
    return std::optional<std::int64_t>{stmt->int64(0)};
  }

private:
  // Destroyed bottom-up: the statements before their connection.
  std::string path_;
  connection db_;
  std::array<sqlite_statement, sqlite_query_count> cache_;
};

} // namespace

// -- the reader ---------------------------------------------------------------

struct sqlite_reader::impl {
  impl(std::string path, connection db) : conn(std::move(path), std::move(db)) {}

  std::mutex mutex; ///< one caller at a time on the connection
  sqlite_connection conn;
};

sqlite_reader::sqlite_reader(std::unique_ptr<impl> state)
  : impl_(std::move(state)) {}

sqlite_reader::~sqlite_reader() = default;

result<std::optional<job>, store_error> sqlite_reader::find(job_id id) {
  std::lock_guard<std::mutex> guard{impl_->mutex};
  auto& c = impl_->conn;
  using found = std::optional<job>;
  // One read transaction: the row and its history from one snapshot.
  return c.transaction<found>(
      query::begin_read, "cannot find a job", [&]() -> result<found, store_error> {
        BOOST_OUTCOME_TRY(records, c.jobs(query::select_job,
                                          [id](auto& st) { st.bind(1, id); }));
        if (records.empty())
          return found{};
        return found{std::move(records.front())};
      });
}

result<job_page, store_error> sqlite_reader::list(const job_query& q) {
  std::lock_guard<std::mutex> guard{impl_->mutex};
  auto& c = impl_->conn;
  auto limit = std::clamp<std::size_t>(q.limit, 1, max_page_size);
  return c.transaction<job_page>(
      query::begin_read, "cannot list jobs", [&]() -> result<job_page, store_error> {
        // One row more than the page: whether a next page may exist.
        BOOST_OUTCOME_TRY(records, c.jobs(query::select_page, [&](auto& st) {
          if (q.state)
            st.bind_text(1, to_string(*q.state));
          st.bind_text(2, q.type);
          st.bind_text(3, q.queue);
          st.bind(4, q.after);
          st.bind(5, as_limit(limit + 1));
        }));
        job_page page;
        page.jobs = std::move(records);
        if (page.jobs.size() > limit) {
          page.jobs.resize(limit);
          page.next_after = page.jobs.back().id;
        }
        return page;
      });
}

result<state_counts, store_error> sqlite_reader::count_by_state() {
  std::lock_guard<std::mutex> guard{impl_->mutex};
  auto& c = impl_->conn;
  BOOST_OUTCOME_TRY(stmt, c.statement(query::count_states));
  sqlite_use use{*stmt};
  state_counts counts{};
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    BOOST_OUTCOME_TRY(state, read_state(*stmt, 0, c.path()));
    counts[static_cast<std::size_t>(state)] =
        static_cast<std::uint64_t>(stmt->int64(1));
  }
  if (rc != SQLITE_DONE)
    return c.failure(rc, "cannot count jobs");
  return counts;
}

result<std::vector<type_count>, store_error> sqlite_reader::live_by_type() {
  std::lock_guard<std::mutex> guard{impl_->mutex};
  auto& c = impl_->conn;
  BOOST_OUTCOME_TRY(stmt, c.statement(query::count_live_types));
  sqlite_use use{*stmt};
  std::vector<type_count> counts;
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW)
    counts.push_back(type_count{stmt->bytes(0),
                                static_cast<std::uint64_t>(stmt->int64(1))});
  if (rc != SQLITE_DONE)
    return c.failure(rc, "cannot count jobs");
  return counts;
}

const std::string& sqlite_reader::path() const noexcept {
  return impl_->conn.path();
}

// -- the owner ----------------------------------------------------------------

struct sqlite_store::impl {
  using refusal = std::optional<write_refusal>;

  impl(sqlite_options o, sqlite_file_lock l, sqlite_connection c)
    : options(o), lock(std::move(l)), conn(std::move(c)) {}

  // Destroyed bottom-up: the reader and the connection, then the lock.
  sqlite_options options;
  /// Empty for an operator (open_operator).
  sqlite_file_lock lock;
  sqlite_connection conn;
  std::shared_ptr<sqlite_reader> reader;
  /// The highest id committed (jobrt_meta's last_id); only this owner
  /// writes the file, so it need not be read per commit.
  job_id last_id = 0;
  /// The highest id of the commit under way.
  job_id next_id = 0;
  /// Opened by open(); false for open_operator(), whose commits may not use
  /// the owner's verbs.
  bool owner = true;

  const std::string& path() const noexcept { return conn.path(); }

  // -- inserts ---------------------------------------------------------------

  result<insert_outcome, store_error> insert(job& j) {
    if (auto big = record_too_large(j, options.max_payload_bytes))
      return insert_outcome{0, false, about_new_job(path(), j, *big)};
    j.id = next_id + 1;
    BOOST_OUTCOME_TRY(rc, conn.execute(query::insert_job, [&](auto& st) {
      bind_job_row(st, j);
    }));
    if (rc != SQLITE_DONE) {
      auto e = conn.failure(rc, "cannot insert a new '" + j.type + "' job");
      if (!refuses_record(rc))
        return e;
      return insert_outcome{0, false, record_error(rc, std::move(e), {})};
    }
    if (conn.changes() == 0) { // ON CONFLICT: its unique key is held
      BOOST_OUTCOME_TRY(holder, live_holder(j));
      return insert_outcome{holder, true};
    }
    next_id = j.id;
    BOOST_OUTCOME_TRYV(add_new_errors(j));
    return insert_outcome{j.id, false};
  }

  /// The live job that holds the unique key of `j`, which must exist.
  result<job_id, store_error> live_holder(const job& j) {
    if (j.unique_key) {
      BOOST_OUTCOME_TRY(holder,
                        conn.integer(query::live_holder, "cannot find a unique key",
                                     [&](auto& st) { st.bind_text(1, j.unique_key); }));
      if (holder)
        return *holder;
    }
    return store_error{store_error::code_type::corrupt,
                       path() + ": job " + std::to_string(j.id) +
                           " exists although last_id is " +
                           std::to_string(next_id)};
  }

  /// Stores the entries of the record's history that job_errors lacks. A
  /// history only grows (apply_event appends, requeue keeps it), so those
  /// are its last entries: they are added from the end back to the first
  /// one already stored, and a write that adds no error costs one probe.
  /// The store checked every entry's size first, so a failure here is not
  /// the record's alone: it fails the commit, which rolls back the row.
  result<void, store_error> add_new_errors(const job& record) {
    for (auto seq = record.errors.size(); seq-- > 0;) {
      BOOST_OUTCOME_TRY(rc, conn.execute(query::insert_error, [&](auto& st) {
        bind_error_row(st, record.id, static_cast<std::int64_t>(seq),
                       record.errors[seq]);
      }));
      if (rc != SQLITE_DONE) {
        auto e = conn.failure(rc, "cannot store the errors of job " +
                                      std::to_string(record.id));
        return refuses_record(rc) ? record_error(rc, std::move(e), record.id) : e;
      }
      if (conn.changes() == 0)
        break;
    }
    return outcome::success();
  }

  // -- fenced writes and removals -----------------------------------------------

  result<refusal, store_error> write(const job_write& w) {
    const auto& record = w.record;
    if (auto big = record_too_large(record, options.max_payload_bytes))
      return refused_record(w, about_job(path(), record.id, *big));
    BOOST_OUTCOME_TRY(rc, conn.execute(query::write_job, [&](auto& st) {
      bind_job_row(st, record);
      bind_fence(st, 21, w.expected);
    }));
    if (rc == SQLITE_CONSTRAINT_UNIQUE && record.unique_key) {
      BOOST_OUTCOME_TRY(holder, live_holder(record));
      return refused_record(
          w, about_job(path(), record.id,
                       unique_key_held(*record.unique_key, holder)));
    }
    if (rc != SQLITE_DONE) {
      auto e = conn.failure(rc, "cannot store job " + std::to_string(record.id));
      if (!refuses_record(rc))
        return e;
      return refused_record(w, record_error(rc, std::move(e), record.id));
    }
    if (conn.changes() == 0)
      return fence_missed(record.id, w.expected);
    BOOST_OUTCOME_TRYV(add_new_errors(record));
    return refusal{};
  }

  result<refusal, store_error> remove(const job_removal& r) {
    BOOST_OUTCOME_TRY(rc, conn.execute(query::remove_job, [&](auto& st) {
      st.bind(1, r.id);
      bind_fence(st, 2, r.expected);
    }));
    auto doing = "cannot remove job " + std::to_string(r.id);
    if (rc != SQLITE_DONE)
      return conn.failure(rc, doing);
    if (conn.changes() == 0)
      return fence_missed(r.id, r.expected);
    BOOST_OUTCOME_TRYV(conn.run(query::remove_errors, doing,
                                [&](auto& st) { st.bind(1, r.id); }));
    return refusal{};
  }

  result<std::optional<job_fence>, store_error> fence_of(job_id id) {
    BOOST_OUTCOME_TRY(stmt, conn.statement(query::select_fence));
    sqlite_use use{*stmt};
    stmt->bind(1, id);
    auto rc = stmt->step();
    if (rc == SQLITE_DONE)
      return std::optional<job_fence>{};
    if (rc != SQLITE_ROW)
      return conn.failure(rc, "cannot read a job's fence");
    BOOST_OUTCOME_TRY(fence, read_fence(*stmt, path()));
    return std::optional<job_fence>{std::move(fence)};
  }

  /// Why a fenced statement on `id` matched no row.
  result<refusal, store_error> fence_missed(job_id id, const job_fence& expected) {
    BOOST_OUTCOME_TRY(found, fence_of(id));
    if (auto refused = fence_refusal(id, expected, found))
      return refused;
    return store_error{store_error::code_type::io,
                       path() + ": job " + std::to_string(id) +
                           " holds its fence but its write matched no row"};
  }

  /// A record the store cannot hold; the fence is checked first, so a stale
  /// write is refused as stale whatever its record.
  result<refusal, store_error> refused_record(const job_write& w,
                                              store_error why) {
    BOOST_OUTCOME_TRY(found, fence_of(w.record.id));
    if (auto refused = fence_refusal(w.record.id, w.expected, found))
      return refused;
    return refusal{write_refusal{w.record.id, write_refusal::code_type::record,
                                 found, std::move(why)}};
  }

  // -- the questions of a turn ---------------------------------------------------

  result<void, store_error> renew(const lease_renewal& r) {
    return conn.run(query::renew_leases, "cannot renew leases", [&](auto& st) {
      st.bind_text(1, std::string_view{r.owner});
      st.bind(2, to_millis(r.until));
    });
  }

  result<std::vector<job>, store_error> rescue(const rescue_request& r) {
    BOOST_OUTCOME_TRY(found, conn.jobs(query::select_unowned, [&](auto& st) {
      st.bind_text(1, std::string_view{r.owner});
      st.bind(2, to_millis(r.now));
      st.bind(3, as_limit(r.limit));
    }));
    // The query narrows by the index; store_rules has the last word.
    std::erase_if(found, [&](const job& j) { return !lease_expired(j, r); });
    return std::move(found);
  }

  result<claim_outcome, store_error> claim(const claim_request& request) {
    auto ready = [&](std::string_view type, std::size_t limit) {
      return conn.jobs(query::select_ready, [&](auto& st) {
        st.bind_text(1, type);
        st.bind(2, to_millis(request.now));
        st.bind(3, as_limit(limit));
      });
    };
    // Inside this transaction the row is still as the claim read it.
    auto write = [&](const job& j) {
      return conn.run(query::update_job,
                      "cannot claim job " + std::to_string(j.id),
                      [&](auto& st) { bind_job_row(st, j); });
    };
    return run_claim(request, ready, write);
  }

  result<std::vector<job>, store_error> stage(const stage_request& r) {
    return conn.jobs(query::select_due, [&](auto& st) {
      st.bind(1, to_millis(r.until));
      st.bind(2, r.after_run_at_ms);
      st.bind(3, r.after_id);
      st.bind(4, as_limit(r.limit));
    });
  }

  result<std::uint64_t, store_error> purge(const purge_request& r) {
    std::uint64_t removed = 0;
    for (auto state :
         {job_state::completed, job_state::dead, job_state::cancelled}) {
      auto cutoff = purge_cutoff(r, state);
      if (!cutoff)
        continue;
      auto bind = [&](auto& st) {
        st.bind_text(1, to_string(state));
        st.bind(2, to_millis(*cutoff));
        st.bind(3, as_limit(r.limit));
      };
      // The histories first: both statements select the same jobs.
      BOOST_OUTCOME_TRYV(conn.run(query::purge_errors, "cannot purge", bind));
      BOOST_OUTCOME_TRYV(conn.run(query::purge_jobs, "cannot purge", bind));
      removed += static_cast<std::uint64_t>(conn.changes());
    }
    return removed;
  }

  // -- operator commands ---------------------------------------------------------

  result<void, store_error> post(const std::vector<operator_command>& commands) {
    for (const auto& c : commands) {
      BOOST_OUTCOME_TRYV(conn.run(query::insert_command,
                                  "cannot post a command for job " +
                                      std::to_string(c.id),
                                  [&](auto& st) { bind_command_row(st, c); }));
    }
    return outcome::success();
  }

  result<std::vector<operator_command>, store_error> take_commands() {
    std::vector<operator_command> taken;
    {
      BOOST_OUTCOME_TRY(stmt, conn.statement(query::select_commands));
      sqlite_use use{*stmt};
      int rc;
      while ((rc = stmt->step()) == SQLITE_ROW) {
        BOOST_OUTCOME_TRY(c, read_command_row(*stmt, path()));
        taken.push_back(c);
      }
      if (rc != SQLITE_DONE)
        return conn.failure(rc, "cannot read the operator commands");
    }
    // Asked at every poll: with nothing posted, the transaction writes no
    // page.
    if (taken.empty())
      return taken;
    BOOST_OUTCOME_TRYV(conn.run(query::clear_commands,
                                "cannot take the operator commands"));
    return taken;
  }

  // -- the whole batch -------------------------------------------------------------

  /// Inserts, writes and removals, in that order.
  result<void, store_error> apply_changes(store_batch& batch,
                                          store_receipt& receipt) {
    receipt.inserted.reserve(batch.inserts.size());
    for (auto& j : batch.inserts) {
      BOOST_OUTCOME_TRY(inserted, insert(j));
      receipt.inserted.push_back(std::move(inserted));
    }
    for (const auto& w : batch.writes) {
      BOOST_OUTCOME_TRY(refused, write(w));
      if (refused)
        receipt.refused.push_back(std::move(*refused));
    }
    for (const auto& r : batch.removals) {
      BOOST_OUTCOME_TRY(refused, remove(r));
      if (refused)
        receipt.refused.push_back(std::move(*refused));
    }
    if (next_id == last_id)
      return outcome::success();
    return conn.run(query::raise_last_id, "cannot store last_id",
                    [&](auto& st) { st.bind(1, next_id); });
  }

  /// Renewal, rescue, claims, stage, purge, posted and taken commands, in
  /// that order.
  result<void, store_error> apply_requests(const store_batch& batch,
                                           store_receipt& receipt) {
    if (batch.renewal) {
      BOOST_OUTCOME_TRYV(renew(*batch.renewal));
    }
    if (batch.rescue) {
      BOOST_OUTCOME_TRY(rescued, rescue(*batch.rescue));
      receipt.rescued = std::move(rescued);
    }
    for (const auto& request : batch.claims) {
      BOOST_OUTCOME_TRY(claimed, claim(request));
      receipt.claimed.push_back(std::move(claimed));
    }
    if (batch.stage) {
      BOOST_OUTCOME_TRY(staged, stage(*batch.stage));
      receipt.staged = std::move(staged);
    }
    if (batch.purge) {
      BOOST_OUTCOME_TRY(purged, purge(*batch.purge));
      receipt.purged = purged;
    }
    BOOST_OUTCOME_TRYV(post(batch.post_commands));
    if (batch.take_commands) {
      BOOST_OUTCOME_TRY(taken, take_commands());
      receipt.commands = std::move(taken);
    }
    return outcome::success();
  }

  result<store_receipt, store_error> apply(store_batch& batch) {
    store_receipt receipt;
    BOOST_OUTCOME_TRYV(apply_changes(batch, receipt));
    BOOST_OUTCOME_TRYV(apply_requests(batch, receipt));
    return receipt;
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

/// A reader's connection on an existing store file at the current schema.
result<connection, store_error> connect_reader(const std::string& path) {
  BOOST_OUTCOME_TRY(file, inspect_store_file(path));
  BOOST_OUTCOME_TRYV(require_store_file(path, file));
  BOOST_OUTCOME_TRY(uri, reader_uri(path));
  BOOST_OUTCOME_TRY(db, connect(path, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                                sqlite_options{}.busy_timeout));
  BOOST_OUTCOME_TRY(version, sqlite_schema_of(db.get(), path));
  BOOST_OUTCOME_TRYV(require_current_schema(
      path, version, "open it as its owner once to migrate it"));
  BOOST_OUTCOME_TRYV(sqlite_exec(db.get(), "PRAGMA cell_size_check = ON", path,
                                "cannot configure"));
  return db;
}

/// An operator's connection on an existing store file at the current
/// schema. It neither migrates nor switches the journal mode: both change
/// the file under its owner, whose lock says it alone may.
result<connection, store_error> connect_operator(const std::string& path,
                                                 const sqlite_options& options) {
  BOOST_OUTCOME_TRY(file, inspect_store_file(path));
  BOOST_OUTCOME_TRYV(require_store_file(path, file));
  BOOST_OUTCOME_TRY(db, connect(path, path, SQLITE_OPEN_READWRITE,
                                options.busy_timeout));
  BOOST_OUTCOME_TRY(version, sqlite_schema_of(db.get(), path));
  BOOST_OUTCOME_TRYV(require_current_schema(
      path, version,
      "the runtime that holds it must migrate it first (a runtime of this "
      "version does so when it starts)"));
  BOOST_OUTCOME_TRYV(configure_writer(db.get(), path, options));
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
  auto state = std::make_unique<impl>(
      options, std::move(lock), sqlite_connection{path, std::move(db).value()});
  BOOST_OUTCOME_TRY(last_id, state->conn.integer(query::select_last_id,
                                                 "cannot read last_id",
                                                 [](auto&) {}));
  state->last_id = last_id.value_or(0);
  BOOST_OUTCOME_TRY(reader, open_reader(path));
  state->reader = std::move(reader);
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(state)));
}

result<std::unique_ptr<sqlite_store>, store_error>
sqlite_store::open_operator(const std::string& path, sqlite_options options) {
  BOOST_OUTCOME_TRY(db, connect_operator(path, options));
  auto state = std::make_unique<impl>(options, sqlite_file_lock{},
                                      sqlite_connection{path, std::move(db)});
  state->owner = false;
  BOOST_OUTCOME_TRY(reader, open_reader(path));
  state->reader = std::move(reader);
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(state)));
}

result<std::unique_ptr<sqlite_reader>, store_error>
sqlite_store::open_reader(const std::string& path) {
  BOOST_OUTCOME_TRY(db, connect_reader(path));
  auto state = std::make_unique<sqlite_reader::impl>(path, std::move(db));
  return std::unique_ptr<sqlite_reader>(new sqlite_reader(std::move(state)));
}

// -- job_store ------------------------------------------------------------------

result<store_receipt, store_error> sqlite_store::commit(store_batch& batch) {
  auto& s = *impl_;
  if (batch.empty())
    return store_receipt{};
  if (!s.owner) {
    if (auto verb = owner_verb(batch))
      return store_error{store_error::code_type::not_owner,
                         s.path() + ": opened beside its owner, this store "
                                    "may not use the owner's verb '" +
                             std::string(*verb) + "'; nothing was written"};
  }
  s.next_id = s.last_id;
  BOOST_OUTCOME_TRY(receipt, s.conn.transaction<store_receipt>(
                                 query::begin_write, "cannot commit",
                                 [&] { return s.apply(batch); }));
  s.last_id = s.next_id;
  return std::move(receipt);
}

std::shared_ptr<job_reader> sqlite_store::reader() {
  return impl_->reader;
}

std::size_t sqlite_store::max_payload_bytes() const noexcept {
  return impl_->options.max_payload_bytes;
}

result<sqlite_options::sync_mode, store_error> sqlite_store::synchronous() {
  BOOST_OUTCOME_TRY(mode, impl_->conn.integer(query::synchronous,
                                              "cannot read PRAGMA synchronous",
                                              [](auto&) {}));
  // SQLite's numbering: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
  return mode.value_or(0) >= 2 ? sqlite_options::sync_mode::full
                               : sqlite_options::sync_mode::normal;
}

const std::string& sqlite_store::path() const noexcept {
  return impl_->path();
}

} // namespace jobrt
