#pragma once

// Reading one TOML table of jobrtd's config: typed getters that check each
// value, remember the keys they were asked for (so that a misspelt key is
// an error, not a silently ignored setting) and name the dotted path of
// whatever is wrong. The first error wins and is kept in a config_errors
// shared by every reader of one document; later reads do nothing harmful,
// and the caller looks at the sink once at the end.
//
// A reader refers to its table and its sink: both must outlive it.

#include "jobrt/actors/config_error.hpp"
#include "jobrt/messages/time.hpp"

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace jobrtd {

class config_errors {
public:
  void add(std::string field, std::string detail);
  bool any() const noexcept { return first_.has_value(); }
  const std::optional<jobrt::config_error>& first() const noexcept {
    return first_;
  }

private:
  std::optional<jobrt::config_error> first_;
};

/// Durations are strings: a whole number and a unit, ms, s, m, h or d
/// ("500ms", "30s", "15m", "12h", "7d"). The error says what is wrong.
jobrt::result<jobrt::duration, std::string> parse_config_duration(std::string_view text);

class config_reader {
public:
  /// `path` is the table's dotted path ("" for the document).
  config_reader(const toml::table& table, std::string path, config_errors& errors);

  /// This table's dotted path.
  const std::string& path() const noexcept { return path_; }
  /// The dotted path of `key` in this table.
  std::string path_of(std::string_view key) const;
  bool has(std::string_view key) const;
  void fail(std::string_view key, std::string detail);

  // Each leaves `out` alone when the key is absent or its value is wrong.
  void read(std::string_view key, std::string& out);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, double& out);
  void read(std::string_view key, std::int32_t& out, std::int64_t min,
            std::int64_t max);
  void read(std::string_view key, std::size_t& out, std::int64_t min,
            std::int64_t max);
  void read(std::string_view key, jobrt::duration& out);
  void read(std::string_view key, std::vector<std::string>& out);
  void read(std::string_view key, std::vector<jobrt::duration>& out);
  void read(std::string_view key, std::vector<int>& out);

  /// A sub-table; nullopt when absent (or not a table: an error).
  std::optional<config_reader> table(std::string_view key);
  /// An array of tables ([[key]]); each element's path is key[i].
  std::vector<config_reader> tables(std::string_view key);
  /// The keys of this table in document order, each marked as read.
  std::vector<std::string> keys();

  /// Reports the first key nobody asked for as "unknown key".
  void finish();

private:
  const toml::node* take(std::string_view key);
  void read_integer(std::string_view key, std::int64_t& out, std::int64_t min,
                    std::int64_t max);

  const toml::table& table_;
  std::string path_;
  config_errors& errors_;
  std::set<std::string, std::less<>> read_;
};

} // namespace jobrtd
