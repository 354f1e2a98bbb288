#pragma once

// What a caller enqueues (job_spec) and the full record jobrt keeps for it
// (job). Both are plain values: copying one never shares state.

#include "jobrt/messages/job_error.hpp"
#include "jobrt/messages/job_state.hpp"
#include "jobrt/messages/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobrt {

/// Assigned by the store; positive, unique within a store, never reused.
using job_id = std::int64_t;

/// Priorities run from 0 (most urgent, the default) to max_priority, as in
/// Oban and BullMQ: a lower number runs first.
inline constexpr std::int32_t max_priority = 9;

/// Bounds that keep a record sane; anything outside is rejected as malformed.
inline constexpr std::int32_t max_attempts_limit = 1000;
inline constexpr duration max_timeout = std::chrono::hours(24 * 7);

inline constexpr std::string_view default_queue = "default";

/// Bounds on every string a job carries, in bytes, so that no record can
/// grow past what a store accepts. Names (type, queue, breaker key) and the
/// unique key are refused when longer (invalid_spec); error codes and
/// messages are truncated instead (bound_error), since a failure must always
/// be recordable. Payloads and outputs are bounded by the store
/// (job_store::max_payload_bytes).
inline constexpr std::size_t max_name_bytes = 255;
inline constexpr std::size_t max_unique_key_bytes = 1024;

/// What a caller asks for. Unset optionals take the job type's defaults.
struct job_spec {
  std::string type; ///< names the handler; required
  std::string queue{default_queue};
  std::string payload; ///< opaque bytes, usually JSON
  std::int32_t priority = 0;
  std::optional<time_point> run_at{};         ///< not before; unset = now
  std::optional<std::int32_t> max_attempts{}; ///< overrides the type's policy
  std::optional<duration> timeout{};        ///< per attempt
  std::optional<std::string> breaker_key{}; ///< default: the type
  /// Idempotent enqueue: while a live (non-terminal) job has this key, a
  /// second enqueue returns the existing id.
  std::optional<std::string> unique_key{};

  friend bool operator==(const job_spec&, const job_spec&) = default;
};

/// The authoritative record of one job (DESIGN.md, "Job").
struct job {
  job_id id = 0;
  std::string type;
  std::string queue{default_queue};
  std::string payload;
  std::int32_t priority = 0;
  job_state state = job_state::pending;
  /// Attempts started and counted; the attempt that runs in `processing` is
  /// number `attempt`. Replies carry it back so stale ones can be fenced.
  std::int32_t attempt = 0;
  std::int32_t max_attempts = 5;
  time_point run_at{};
  duration timeout{std::chrono::minutes(30)};
  std::string breaker_key;
  std::optional<std::string> unique_key{};
  /// Set by cancel while processing: the attempt is asked to stop and the
  /// job becomes cancelled when it ends, whatever its result.
  bool cancel_requested = false;
  /// While processing: which runtime runs the attempt, and until when its
  /// claim holds (DESIGN.md, "Persistence": leases). Empty and unset in
  /// every other state. Writes are fenced on the owner (job_fence).
  std::string owner;
  std::optional<time_point> lease_until;
  std::vector<attempt_error> errors; ///< one entry per failed attempt
  /// What the handler returned (job_output::data); set when completed.
  std::optional<std::string> output;
  time_point created_at{};
  time_point updated_at{};
  std::optional<time_point> finished_at;

  friend bool operator==(const job&, const job&) = default;
};

/// What a handler produces on success: opaque bytes kept for the caller.
struct job_output {
  std::string data;

  friend bool operator==(const job_output&, const job_output&) = default;
};

/// Why a job_spec cannot be enqueued; `field` names the offending field.
struct spec_error {
  enum class code_type {
    empty,        ///< a required text field is empty
    out_of_range, ///< a number that is negative, absurd or too large
    too_long,     ///< a text field over its bound (max_name_bytes, ...)
  };
  code_type code = code_type::empty;
  std::string field;
  std::string detail;
  std::string message() const;

  friend bool operator==(const spec_error&, const spec_error&) = default;
};

/// Checks the spec's own fields: non-empty type and queue, priority in
/// [0, max_priority], max_attempts in [1, max_attempts_limit], timeout in
/// (0, max_timeout], non-negative run_at, non-empty keys when given, and
/// every text field within its bound (max_name_bytes, max_unique_key_bytes).
/// Whether a handler exists for the type is the runtime's business.
result<void, spec_error> validate_spec(const job_spec& spec);

/// The handler result type: a job_output, or the typed reason it failed.
using job_result = result<job_output, job_error>;

} // namespace jobrt
