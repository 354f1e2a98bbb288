#include "http_list_store.hpp"

#include "database_files.hpp"

#include "jobrt/persistence/sqlite_store.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace bench {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t jobs_per_transaction = 10'000;
/// Days of dead letters kept before the last day (see the header).
constexpr std::size_t earlier_days = 29;
/// Of the last day's jobs, every dead_every-th is dead, and every
/// cancelled_every-th (at another offset) cancelled.
constexpr std::size_t dead_every = 100;
constexpr std::size_t cancelled_every = 200;
constexpr std::int32_t attempts = 3;

constexpr std::array<const char*, 4> types{"email", "webhook", "report",
                                           "thumbnail"};

enum class fate { completed, dead, cancelled };

/// Job `i` (0-based): the `old_dead` old dead letters, then the last day.
fate fate_of(std::size_t i, std::size_t old_dead) {
  if (i < old_dead)
    return fate::dead;
  auto k = i - old_dead;
  if (k % dead_every == dead_every / 2)
    return fate::dead;
  if (k % cancelled_every == 0)
    return fate::cancelled;
  return fate::completed;
}

/// `span` * part / whole: when the part-th job of `whole` finished.
jobrt::duration share(jobrt::duration span, std::size_t part, std::size_t whole) {
  return span * static_cast<std::int64_t>(part) / static_cast<std::int64_t>(whole);
}

jobrt::job record(std::size_t i, fate f, jobrt::time_point finished) {
  jobrt::job j;
  j.type = types[i % types.size()];
  j.breaker_key = j.type;
  j.payload = R"({"account":)" + std::to_string(100'000 + i % 7919) +
              R"(,"template":"welcome","locale":"en"})";
  j.max_attempts = attempts;
  j.timeout = 30s;
  j.created_at = finished - 2s * attempts;
  j.run_at = j.created_at;
  j.updated_at = finished;
  j.finished_at = finished;
  switch (f) {
    case fate::completed:
      j.state = jobrt::job_state::completed;
      j.attempt = 1;
      j.output = R"({"ok":true})";
      break;
    case fate::cancelled:
      j.state = jobrt::job_state::cancelled;
      break;
    case fate::dead:
      j.state = jobrt::job_state::dead;
      j.attempt = attempts;
      for (std::int32_t a = 1; a <= attempts; ++a)
        j.errors.push_back(
            {a,
             jobrt::job_error::transient(
                 "http_503", "POST https://hooks.example.com/deliver: 503 "
                             "Service Unavailable"),
             j.created_at + 2s * a});
      break;
  }
  return j;
}

} // namespace

jobrt::result<list_store, std::string> fill_list_store(const std::string& path,
                                                       std::size_t jobs) {
  auto started = std::chrono::steady_clock::now();
  remove_database(path);
  jobrt::sqlite_options options;
  options.synchronous = jobrt::sqlite_options::sync_mode::normal;
  auto opened = jobrt::sqlite_store::open(path, options);
  if (!opened)
    return "cannot create " + path + ": " + opened.error().message;
  auto& store = *opened.value();
  // The old dead letters are earlier_days days' 1%; the last day is the rest.
  auto old_dead = jobs * earlier_days / (dead_every + earlier_days);
  const jobrt::duration day = 24h;
  const jobrt::duration old_span = day * static_cast<std::int64_t>(earlier_days);
  const jobrt::duration recent_span = 12h; // well inside the day kept
  auto now = jobrt::wall_clock_now();
  jobrt::time_point old_from = now - day - old_span;
  jobrt::time_point recent_from = now - recent_span;
  list_store filled;
  for (std::size_t first = 0; first < jobs; first += jobs_per_transaction) {
    jobrt::store_batch batch;
    auto last = std::min(jobs, first + jobs_per_transaction);
    for (auto i = first; i < last; ++i) {
      auto f = fate_of(i, old_dead);
      auto finished =
          i < old_dead ? old_from + share(old_span, i, old_dead)
                       : recent_from + share(recent_span, i - old_dead,
                                             jobs - old_dead);
      filled.dead += f == fate::dead ? 1 : 0;
      batch.inserts.push_back(record(i, f, finished));
    }
    auto receipt = store.commit(batch);
    if (!receipt)
      return "cannot fill " + path + ": " + receipt.error().message;
    for (const auto& inserted : receipt.value().inserted) {
      if (inserted.refused)
        return "cannot fill " + path + ": " + inserted.refused->message;
      filled.last_id = inserted.id;
    }
  }
  filled.jobs = jobs;
  filled.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - started)
                       .count();
  return filled;
}

} // namespace bench
