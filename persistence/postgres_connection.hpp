#pragma once

// One libpq connection and what the PostgreSQL store needs of it:
// statements prepared once per connection and run with parameters, results
// that free themselves, and one mapping from SQLSTATE to store_error, so the
// same failure always reads the same.
// Internal to the PostgreSQL store; not part of jobrt's API.

#include "jobrt/messages/store_error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

struct pg_conn;
struct pg_result;

namespace jobrt {

/// Parameters of one statement: text values, or binary ones (arrays built
/// by postgres_array, bytea), or NULL.
class postgres_params {
public:
  postgres_params& text(std::string value);
  postgres_params& number(std::int64_t value);
  postgres_params& binary(std::string value);
  postgres_params& null();
  template <class T>
  postgres_params& optional_text(const std::optional<T>& value) {
    return value ? text(std::string(*value)) : null();
  }

  int size() const noexcept { return static_cast<int>(values_.size()); }
  std::vector<const char*> values() const;
  std::vector<int> lengths() const;
  const std::vector<int>& formats() const noexcept { return formats_; }

private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
};

/// A one-dimensional array in PostgreSQL's binary format, for passing many
/// rows to one statement (`unnest($1::bigint[], ...)`): a batch costs one
/// statement, not one per row.
class postgres_array {
public:
  enum class element : std::uint32_t {
    boolean = 16, bytea = 17, int8 = 20, int4 = 23, text = 25,
  };
  explicit postgres_array(element type) : type_(type) {}

  void add(std::int64_t v);
  void add(std::int32_t v);
  void add(bool v);
  void add(std::string_view bytes); ///< text or bytea
  void add_null();
  template <class T>
  void add(const std::optional<T>& v) {
    if (v)
      add(*v);
    else
      add_null();
  }
  std::size_t size() const noexcept { return count_; }
  /// The binary value of the array.
  std::string value() const;

private:
  element type_;
  std::size_t count_ = 0;
  std::string elements_;
};

/// A statement's result: rows of text values.
class postgres_rows {
public:
  postgres_rows() = default;
  explicit postgres_rows(pg_result* r) : result_(r) {}
  int size() const noexcept;
  bool null(int row, int col) const;
  std::string_view text(int row, int col) const;
  std::int64_t number(int row, int col) const;
  std::optional<std::int64_t> optional_number(int row, int col) const;
  bool boolean(int row, int col) const;
  /// A bytea column (hex output).
  std::string bytes(int row, int col) const;
  /// Rows a command changed (UPDATE, DELETE).
  std::uint64_t affected() const;

private:
  struct free_result {
    void operator()(pg_result* r) const noexcept;
  };
  std::unique_ptr<pg_result, free_result> result_;
};

/// A store_error for a failed call: SQLSTATE class to code, with libpq's
/// message and what the store was doing.
///   08..., 57P01-03 (connection lost, server shutting down)  -> io
///   53... (disk full, out of memory or connections)          -> io
///   25006 (read-only transaction: a standby or read-only)    -> io
///   40001, 40P01, 55P03 (serialization, deadlock, lock)      -> locked
///   23505 (unique violation)                                 -> conflict
///   54000, 22001 (limits exceeded, value too long)           -> too_large
///   anything else                                            -> io
store_error postgres_error(std::string_view sqlstate, std::string_view message,
                           std::string_view doing);

/// Whether `sqlstate` says the connection is gone (the next call reconnects).
bool postgres_connection_lost(std::string_view sqlstate);

class postgres_connection {
public:
  static result<postgres_connection, store_error>
  open(const std::string& conninfo);

  postgres_connection() = default;
  postgres_connection(postgres_connection&&) noexcept = default;
  postgres_connection& operator=(postgres_connection&&) noexcept = default;
  ~postgres_connection();

  /// Runs a statement, prepared under `name` on first use.
  result<postgres_rows, store_error>
  run(const std::string& name, const std::string& sql,
      const postgres_params& params, std::string_view doing);
  /// Runs SQL without parameters (several statements allowed).
  result<postgres_rows, store_error> exec(const std::string& sql,
                                          std::string_view doing);

  /// Whether the connection still works as far as libpq knows.
  bool ok() const noexcept;
  /// The socket, for waiting on notifications.
  int socket() const noexcept;
  /// Reads what the server sent; the channels and payloads of notifications
  /// that arrived.
  result<std::vector<std::pair<std::string, std::string>>, store_error>
  notifications();
  /// The host and port as libpq resolved them, for messages.
  std::string where() const;

private:
  struct close_conn {
    void operator()(pg_conn* c) const noexcept;
  };
  explicit postgres_connection(pg_conn* c) : conn_(c) {}
  result<postgres_rows, store_error> check(pg_result* r, std::string_view doing);

  std::unique_ptr<pg_conn, close_conn> conn_;
  std::unordered_set<std::string> prepared_;
};

/// Whether `location` names a PostgreSQL database (a postgresql:// or
/// postgres:// URI) rather than a SQLite file.
bool is_postgres_uri(std::string_view location) noexcept;

} // namespace jobrt
