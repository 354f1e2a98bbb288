#include "postgres_reference.hpp"

#include "postgres_pipeline.hpp"
#include "postgres_schemas.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace bench {

namespace {

using steady = std::chrono::steady_clock;

constexpr std::size_t jobs_per_transaction = 1000;

/// The owner column of a processing job, as long as the runtime's.
constexpr const char* owner = "bench-reference:0000000000000000";

// The rows the runtime writes for a job of W1's flood (sqlite_reference.cpp
// says which): the job as enqueued, its claim, and its completion fenced on
// the state, attempt and owner. Each in two forms: over the ids of a step
// as an array (unnest), as the store writes its batches, and for one id.
const std::vector<pg_statement> set_statements{
    {"insert",
     "INSERT INTO {s}.jobs (id, type, queue, payload, priority, state, "
     "attempt, max_attempts, run_at, timeout_ms, breaker_key, "
     "cancel_requested, created_at, updated_at) "
     "SELECT u.id, 'noop', 'default', $2::bytea, 0, 'pending', 0, 5, $3, "
     "1800000, 'noop', false, $3, $3 FROM unnest($1::bigint[]) AS u(id)"},
    {"claim",
     "UPDATE {s}.jobs AS j SET state = 'processing', attempt = 1, owner = $3, "
     "updated_at = $2 FROM unnest($1::bigint[]) AS u(id) WHERE j.id = u.id"},
    {"complete",
     "UPDATE {s}.jobs AS j SET state = 'completed', output = ''::bytea, "
     "owner = '', lease_until = NULL, updated_at = $2, finished_at = $2 "
     "FROM unnest($1::bigint[]) AS u(id) WHERE j.id = u.id "
     "AND j.state = 'processing' AND j.attempt = 1 AND j.owner = $3"}};
const std::vector<pg_statement> row_statements{
    {"insert",
     "INSERT INTO {s}.jobs (id, type, queue, payload, priority, state, "
     "attempt, max_attempts, run_at, timeout_ms, breaker_key, "
     "cancel_requested, created_at, updated_at) "
     "VALUES ($1, 'noop', 'default', $2::bytea, 0, 'pending', 0, 5, $3, "
     "1800000, 'noop', false, $3, $3)"},
    {"claim",
     "UPDATE {s}.jobs SET state = 'processing', attempt = 1, owner = $3, "
     "updated_at = $2 WHERE id = $1"},
    // The fence's state is a parameter, as the store's is: a constant
    // 'processing' lets the planner's generic plan find the row through the
    // partial index of processing jobs by owner, all 1,000 of them, rather
    // than by its id (10 times slower on this server).
    {"complete",
     "UPDATE {s}.jobs SET state = 'completed', output = ''::bytea, "
     "owner = '', lease_until = NULL, updated_at = $2, finished_at = $2 "
     "WHERE id = $1 AND owner = $3 AND state = $4 AND attempt = 1"}};

constexpr const char* payload = R"({"n":1})";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// One write of the jobs [first, first + count) in one transaction.
struct step {
  const char* statement;
  std::int64_t first = 0;
  std::size_t count = 0;
};

using add_calls =
    std::function<void(const step&, const std::string& at, std::vector<pg_call>&)>;

/// The parameters: the id(s), then the insert's payload and time, or an
/// update's time and owner (and a per-row completion's fenced state).
std::vector<std::string> params_of(const step& s, std::string ids,
                                   const std::string& at, bool per_row) {
  std::string_view statement = s.statement;
  if (statement == "insert")
    return {std::move(ids), payload, at};
  if (statement == "complete" && per_row)
    return {std::move(ids), at, owner, "processing"};
  return {std::move(ids), at, owner};
}

void add_set_call(const step& s, const std::string& at,
                  std::vector<pg_call>& calls) {
  std::string ids = "{";
  for (std::size_t i = 0; i < s.count; ++i)
    ids += (i > 0 ? "," : "") +
           std::to_string(s.first + static_cast<std::int64_t>(i));
  calls.push_back({s.statement, params_of(s, ids + "}", at, false), s.count});
}

void add_row_calls(const step& s, const std::string& at,
                   std::vector<pg_call>& calls) {
  for (std::size_t i = 0; i < s.count; ++i)
    calls.push_back(
        {s.statement,
         params_of(s, std::to_string(s.first + static_cast<std::int64_t>(i)),
                   at, true),
         1});
}

/// As sqlite_reference.cpp's run_jobs: each transaction completes the jobs
/// the previous one claimed, claims the jobs enqueued before, and enqueues
/// the next 1,000.
pg_status run_jobs(pg_conn* c, std::size_t jobs, const add_calls& add,
                   const std::string& what) {
  std::size_t inserted = 0;
  std::size_t completed = 0;
  std::optional<step> claimed;  // the jobs the last transaction claimed
  std::optional<step> enqueued; // the jobs the last transaction enqueued
  std::vector<pg_call> calls;
  while (completed < jobs) {
    calls.clear();
    auto at = std::to_string(now_ms());
    if (claimed)
      add({"complete", claimed->first, claimed->count}, at, calls);
    if (enqueued)
      add({"claim", enqueued->first, enqueued->count}, at, calls);
    auto count = std::min(jobs_per_transaction, jobs - inserted);
    std::optional<step> next;
    if (count > 0) {
      next = step{"insert", static_cast<std::int64_t>(inserted) + 1, count};
      add(*next, at, calls);
    }
    BOOST_OUTCOME_TRYV(run_pipelined_transaction(c, calls, what));
    completed += claimed ? claimed->count : 0;
    claimed = enqueued;
    enqueued = next;
    inserted += count;
  }
  return jobrt::outcome::success();
}

jobrt::result<postgres_reference_result, std::string>
measure(const std::string& uri, const std::string& schema, std::size_t jobs,
        const std::vector<pg_statement>& statements, const add_calls& add,
        const std::string& what) {
  postgres_schema_dropper dropper{uri, schema};
  BOOST_OUTCOME_TRY(c, open_reference_connection(uri, schema, statements, what));
  auto start = steady::now();
  BOOST_OUTCOME_TRYV(run_jobs(c.get(), jobs, add, what));
  auto seconds = std::chrono::duration<double>(steady::now() - start).count();
  return postgres_reference_result{
      seconds > 0 ? static_cast<double>(jobs) / seconds : 0.0, jobs};
}

} // namespace

jobrt::result<postgres_reference_result, std::string>
measure_postgres_reference(const std::string& uri, const std::string& schema,
                           std::size_t jobs) {
  return measure(uri, schema, jobs, set_statements, add_set_call,
                 "postgres set reference");
}

jobrt::result<postgres_reference_result, std::string>
measure_postgres_row_reference(const std::string& uri,
                               const std::string& schema, std::size_t jobs) {
  return measure(uri, schema, jobs, row_statements, add_row_calls,
                 "postgres per-row reference");
}

} // namespace bench
