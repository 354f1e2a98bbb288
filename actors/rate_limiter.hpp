#pragma once

// How often attempts may start, per key (DESIGN.md: rate limits per key sit
// beside the breaker in dispatch). Pure and CAF-free: time is passed in.
//
// A key is a job type, a queue or a breaker key (the same name in two
// scopes is two keys). A limited key admits at most `rate` attempt starts
// per `period`, paced by a token bucket holding up to `burst` starts; a
// job it refuses waits as pending and spends no attempt. A handler that
// reports `rate_limited` with a retry-after (an external API's 429) holds
// its key until then, whatever its tokens. Dispatch asks once per attempt:
// a runtime with no limits and no holds answers without a lookup, a key
// without either costs one hash lookup, and no call allocates.
//
// The bucket is kept as GCRA (the generic cell rate algorithm: one
// "theoretical arrival time" per key), in exact fractions of a
// millisecond, so `rate` starts per `period` hold exactly over any span,
// also when the period is not a multiple of the rate (3 per second).
//
// One owner (the supervisor); not thread-safe.

#include "jobrt/actors/config_error.hpp"
#include "jobrt/messages/time.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace jobrt {

enum class rate_scope : std::uint8_t { job_type, queue, breaker_key };

std::string_view to_string(rate_scope s) noexcept;

struct rate_limit {
  /// Attempt starts per period.
  std::int64_t rate = 1;
  duration period{std::chrono::seconds(1)};
  /// Starts that may go at once after a quiet spell. The default, 1, paces
  /// starts evenly, so that no window of one period ever holds more than
  /// `rate` of them: an API that counts per fixed window (per second, per
  /// minute) never sees more than it allows. A burst B lets B go at once,
  /// and then one window may hold B + rate - 1.
  std::int64_t burst = 1;

  friend bool operator==(const rate_limit&, const rate_limit&) = default;
};

inline constexpr std::int64_t max_rate = 1'000'000'000;
inline constexpr std::int64_t max_burst = 100'000'000;
inline constexpr duration max_rate_period = std::chrono::hours(24 * 366);

/// Checks rate in [1, max_rate], period in [1 ms, max_rate_period] and
/// burst in [1, max_burst]; the error names the field.
config_check validate_rate_limit(const rate_limit& limit);

/// The keys that limit one job; an empty name is no key.
struct rate_keys {
  std::string_view job_type;
  std::string_view queue;
  std::string_view breaker_key;
};

/// Admitted (a start was taken from every limited key), or refused until
/// `wait_until` at the earliest.
struct rate_decision {
  std::optional<time_point> wait_until;

  bool admitted() const noexcept { return !wait_until; }

  friend bool operator==(const rate_decision&, const rate_decision&) = default;
};

class rate_limiter {
public:
  /// Limits a key, refusing what validate_rate_limit refuses. Setting a
  /// key's limit again starts its bucket full; a hold on it stays.
  config_check set_limit(rate_scope scope, std::string_view name,
                         const rate_limit& limit);
  /// The key is unlimited again (a hold on it stays until it ends).
  void remove_limit(rate_scope scope, std::string_view name);

  /// Admits one attempt start of a job limited by `keys` if every one of
  /// them that is limited or held admits it, taking one start from each;
  /// otherwise takes nothing and says when to ask again: the latest of the
  /// refusing keys' waits (another key may refuse by then: ask again).
  rate_decision try_take(const rate_keys& keys, time_point now);
  rate_decision try_take(rate_scope scope, std::string_view name,
                         time_point now);

  /// A handler was told to come back at `until` (429 with Retry-After): no
  /// start under this key before then. Holds never shorten; cap `until`
  /// first (a retry policy's max_delay), it is taken as given.
  void hold(rate_scope scope, std::string_view name, time_point until);

  /// Starts the key would admit now, without taking them: 0 while held,
  /// INT64_MAX when unlimited. For sizing a claim.
  std::int64_t available(rate_scope scope, std::string_view name,
                         time_point now) const;

  /// No key is limited or held.
  bool empty() const noexcept;

private:
  /// A point in time as `ms` + `part` / rate milliseconds, 0 <= part < rate.
  struct exact_time {
    std::int64_t ms = 0;
    std::int64_t part = 0;
  };
  struct exact_ops;
  struct pacing {
    std::int64_t rate = 1;
    std::int64_t period_ms = 1;
    exact_time interval;  ///< period / rate: one start's worth of time
    exact_time tolerance; ///< (burst - 1) × interval
  };
  struct bucket {
    std::optional<pacing> limit;
    /// When the bucket is full again plus one interval: starts are
    /// admitted while it lies at most `tolerance` past now.
    exact_time theoretical_arrival{time_point::min().time_since_epoch().count(), 0};
    time_point held_until = time_point::min();

    std::optional<time_point> refusal(time_point now) const;
    void take(time_point now);
  };
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using bucket_table =
      std::unordered_map<std::string, bucket, name_hash, std::equal_to<>>;

  bucket* find(rate_scope scope, std::string_view name);
  const bucket* find(rate_scope scope, std::string_view name) const;
  /// A hold that ended on a key without a limit leaves nothing to keep.
  void forget_if_spent(rate_scope scope, std::string_view name, time_point now);

  std::array<bucket_table, 3> tables_;
};

} // namespace jobrt
