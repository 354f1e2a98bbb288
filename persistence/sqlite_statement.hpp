#pragma once

// One prepared SQLite statement, owned (finalized on destruction). The store
// prepares each statement once and runs it many times: a use begins with
// bind_*() and step(), and ends with reset(), which also drops the bindings,
// so blobs and text bound without copying (SQLITE_STATIC) must only stay
// alive until then. A failed bind is remembered and reported by the next
// step(), so callers check one return code per use.
//
// Internal to the SQLite store; not part of jobrt's API.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jobrt {

class sqlite_statement {
public:
  sqlite_statement() = default;
  explicit sqlite_statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~sqlite_statement() { sqlite3_finalize(stmt_); }

  sqlite_statement(sqlite_statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(std::exchange(other.bind_rc_, SQLITE_OK)) {}
  sqlite_statement& operator=(sqlite_statement&& other) noexcept {
    if (this != &other) {
      sqlite3_finalize(stmt_);
      stmt_ = std::exchange(other.stmt_, nullptr);
      bind_rc_ = std::exchange(other.bind_rc_, SQLITE_OK);
    }
    return *this;
  }
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;

  bool prepared() const noexcept { return stmt_ != nullptr; }

  // -- binding (parameters count from 1) ------------------------------------

  void bind(int index, std::int64_t value) noexcept {
    remember(sqlite3_bind_int64(stmt_, index, value));
  }
  void bind_null(int index) noexcept {
    remember(sqlite3_bind_null(stmt_, index));
  }
  void bind_text(int index, std::string_view text) noexcept {
    remember(sqlite3_bind_text64(stmt_, index, non_null(text),
                                 text.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  /// Binds an empty string as a zero-length blob, never as NULL.
  void bind_blob(int index, std::string_view bytes) noexcept {
    remember(sqlite3_bind_blob64(stmt_, index, non_null(bytes), bytes.size(),
                                 SQLITE_STATIC));
  }
  void bind_text(int index, const std::optional<std::string>& text) noexcept {
    if (text)
      bind_text(index, std::string_view{*text});
    else
      bind_null(index);
  }
  void bind_blob(int index, const std::optional<std::string>& bytes) noexcept {
    if (bytes)
      bind_blob(index, std::string_view{*bytes});
    else
      bind_null(index);
  }
  void bind(int index, std::optional<std::int64_t> value) noexcept {
    if (value)
      bind(index, *value);
    else
      bind_null(index);
  }

  // -- running --------------------------------------------------------------

  /// SQLITE_ROW, SQLITE_DONE, or the error (a failed bind's first).
  int step() noexcept {
    if (bind_rc_ != SQLITE_OK)
      return bind_rc_;
    return sqlite3_step(stmt_);
  }

  /// Ends a use: resets the statement and clears its bindings.
  void reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_rc_ = SQLITE_OK;
  }

  // -- reading the current row (columns count from 0) -----------------------

  bool is_null(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  std::int64_t int64(int column) const noexcept {
    return sqlite3_column_int64(stmt_, column);
  }
  std::optional<std::int64_t> optional_int64(int column) const noexcept {
    if (is_null(column))
      return std::nullopt;
    return int64(column);
  }
  /// The bytes of a TEXT or BLOB column, exactly as stored.
  std::string bytes(int column) const {
    auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    auto size = sqlite3_column_bytes(stmt_, column);
    if (data == nullptr || size <= 0)
      return {};
    return std::string(data, static_cast<std::size_t>(size));
  }
  std::optional<std::string> optional_bytes(int column) const {
    if (is_null(column))
      return std::nullopt;
    return bytes(column);
  }

private:
  static const char* non_null(std::string_view s) noexcept {
    return s.data() != nullptr ? s.data() : "";
  }
  void remember(int rc) noexcept {
    if (bind_rc_ == SQLITE_OK)
      bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

/// Resets a statement when a use ends, on every path out of the scope.
class sqlite_use {
public:
  explicit sqlite_use(sqlite_statement& stmt) noexcept : stmt_(stmt) {}
  ~sqlite_use() { stmt_.reset(); }
  sqlite_use(const sqlite_use&) = delete;
  sqlite_use& operator=(const sqlite_use&) = delete;

  sqlite_statement* operator->() noexcept { return &stmt_; }
  sqlite_statement& operator*() noexcept { return stmt_; }

private:
  sqlite_statement& stmt_;
};

} // namespace jobrt
