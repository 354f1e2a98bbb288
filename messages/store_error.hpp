#pragma once

// Why a store could not do what it was asked (DESIGN.md, "Persistence").

#include "jobrt/messages/job.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobrt {

struct store_error {
  enum class code_type : std::uint8_t {
    io,        ///< the medium failed (full disk, read-only directory, ...)
    corrupt,   ///< the data is not a jobrt store, or is damaged
    locked,    ///< another process holds the store
    too_large, ///< a record exceeds the store's limits
    version,   ///< written by a newer jobrt
    conflict,  ///< a unique key is already held by another live job
    not_owner, ///< a verb only the store's owner may use (sqlite_store's
               ///< open_operator refuses inserts, claims, ...)
  };
  code_type code = code_type::io;
  std::string message;
  /// Set when the failure is tied to this one record (it is too large, or
  /// breaks a constraint): everything else could be written without it.
  std::optional<job_id> record = std::nullopt;

  friend bool operator==(const store_error&, const store_error&) = default;
};

std::string_view to_string(store_error::code_type c) noexcept;

/// "code: message", for logs and refusals.
std::string describe(const store_error& e);

} // namespace jobrt
