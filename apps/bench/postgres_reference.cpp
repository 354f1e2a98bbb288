#include "postgres_reference.hpp"

#include "postgres_schemas.hpp"

#include "jobrt/persistence/postgres_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace bench {

namespace {

using steady = std::chrono::steady_clock;
using status = jobrt::result<void, std::string>;

constexpr std::size_t jobs_per_transaction = 1000;

/// The owner column of a processing job, as long as the runtime's.
constexpr const char* owner = "bench-reference:0000000000000000";

// The rows the runtime writes for a job of W1's flood (sqlite_reference.cpp
// says which), each statement over the 1,000 jobs of one step as arrays,
// as the store writes them (unnest): the job as enqueued, its claim, and
// its completion fenced on the state, attempt and owner.
constexpr const char* insert_sql =
    "INSERT INTO {s}.jobs (id, type, queue, payload, priority, state, "
    "attempt, max_attempts, run_at, timeout_ms, breaker_key, "
    "cancel_requested, created_at, updated_at) "
    "SELECT u.id, 'noop', 'default', $2::bytea, 0, 'pending', 0, 5, $3, "
    "1800000, 'noop', false, $3, $3 FROM unnest($1::bigint[]) AS u(id)";
constexpr const char* claim_sql =
    "UPDATE {s}.jobs AS j SET state = 'processing', attempt = 1, owner = $3, "
    "updated_at = $2 FROM unnest($1::bigint[]) AS u(id) WHERE j.id = u.id";
constexpr const char* completed_sql =
    "UPDATE {s}.jobs AS j SET state = 'completed', output = ''::bytea, "
    "owner = '', lease_until = NULL, updated_at = $2, finished_at = $2 "
    "FROM unnest($1::bigint[]) AS u(id) WHERE j.id = u.id "
    "AND j.state = 'processing' AND j.attempt = 1 AND j.owner = $3";

struct connection_closer {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using connection = std::unique_ptr<PGconn, connection_closer>;

std::string failure(PGconn* c, const std::string& step) {
  std::string message = PQerrorMessage(c);
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  return "postgres reference: " + step + ": " + message;
}

std::string in_schema(std::string sql, const std::string& schema) {
  for (auto at = sql.find("{s}"); at != std::string::npos;
       at = sql.find("{s}", at))
    sql.replace(at, 3, schema);
  return sql;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The store's own tables and indexes in a fresh `schema`: opened once as
/// a tool that may create it, which migrates and registers no node.
status migrate(const std::string& uri, const std::string& schema) {
  jobrt::postgres_options options;
  options.schema = schema;
  options.role = jobrt::postgres_options::role_type::tool;
  auto store = jobrt::postgres_store::open(uri, options);
  if (!store)
    return "postgres reference: " + store.error().message;
  return jobrt::outcome::success();
}

status exec(PGconn* c, const std::string& sql, const char* step) {
  PGresult* r = PQexec(c, sql.c_str());
  auto ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok)
    return failure(c, step);
  return jobrt::outcome::success();
}

status prepare(PGconn* c, const char* name, const std::string& sql) {
  PGresult* r = PQprepare(c, name, sql.c_str(), 3, nullptr);
  auto ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok)
    return failure(c, std::string("prepare ") + name);
  return jobrt::outcome::success();
}

jobrt::result<connection, std::string> open_fresh(const std::string& uri,
                                                  const std::string& schema) {
  (void) drop_postgres_schema(uri, schema);
  BOOST_OUTCOME_TRYV(migrate(uri, schema));
  connection c{PQconnectdb(uri.c_str())};
  if (PQstatus(c.get()) != CONNECTION_OK)
    return failure(c.get(), "connect");
  // The store's durability: every COMMIT waits for its WAL flush.
  BOOST_OUTCOME_TRYV(exec(c.get(), "SET synchronous_commit = on",
                          "synchronous_commit"));
  BOOST_OUTCOME_TRYV(prepare(c.get(), "insert", in_schema(insert_sql, schema)));
  BOOST_OUTCOME_TRYV(prepare(c.get(), "claim", in_schema(claim_sql, schema)));
  BOOST_OUTCOME_TRYV(
      prepare(c.get(), "complete", in_schema(completed_sql, schema)));
  return c;
}

/// The ids [first, first + count) as a PostgreSQL array literal.
std::string id_array(std::int64_t first, std::size_t count) {
  std::string out = "{";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0)
      out += ',';
    out += std::to_string(first + static_cast<std::int64_t>(i));
  }
  return out + "}";
}

/// One transaction's statements, queued in the pipeline.
struct step {
  const char* statement;
  std::string ids;
  std::size_t rows = 0; ///< rows it must change
};

/// BEGIN, the steps and COMMIT in one pipeline: one round trip. Each step
/// must change exactly its rows (a completion: its fence held).
status run_transaction(PGconn* c, const std::vector<step>& steps,
                       std::int64_t at) {
  static constexpr char payload[] = R"({"n":1})";
  auto at_text = std::to_string(at);
  if (PQsendQueryParams(c, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
    return failure(c, "begin");
  for (const auto& s : steps) {
    const char* second = s.statement == std::string_view("insert")
                             ? payload
                             : at_text.c_str();
    const char* third = s.statement == std::string_view("insert")
                            ? at_text.c_str()
                            : owner;
    const char* values[3] = {s.ids.c_str(), second, third};
    if (PQsendQueryPrepared(c, s.statement, 3, values, nullptr, nullptr, 0) == 0)
      return failure(c, s.statement);
  }
  if (PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 0 ||
      PQpipelineSync(c) == 0)
    return failure(c, "commit");
  std::string error;
  // One result (then a null) per query, then the sync's.
  for (std::size_t q = 0; q < steps.size() + 2; ++q) {
    while (PGresult* r = PQgetResult(c)) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK && error.empty())
        error = failure(c, q == 0 ? "begin" : q <= steps.size()
                                                  ? steps[q - 1].statement
                                                  : "commit");
      else if (q > 0 && q <= steps.size() && error.empty() &&
               std::string_view(PQcmdTuples(r)) !=
                   std::to_string(steps[q - 1].rows))
        error = "postgres reference: " + std::string(steps[q - 1].statement) +
                ": the rows are not as expected";
      PQclear(r);
    }
  }
  PGresult* sync = PQgetResult(c);
  auto synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!error.empty())
    return error;
  if (!synced)
    return failure(c, "pipeline sync");
  return jobrt::outcome::success();
}

/// As sqlite_reference.cpp's run_jobs: each transaction completes the jobs
/// the previous one claimed, claims the jobs enqueued before, and enqueues
/// the next 1,000.
status run_jobs(PGconn* c, std::size_t jobs) {
  if (PQenterPipelineMode(c) == 0)
    return failure(c, "pipeline mode");
  std::size_t inserted = 0;
  std::size_t completed = 0;
  std::optional<step> claimed;   // the jobs the last transaction claimed
  std::optional<step> enqueued;  // the jobs the last transaction enqueued
  while (completed < jobs) {
    std::vector<step> steps;
    if (claimed)
      steps.push_back({"complete", claimed->ids, claimed->rows});
    if (enqueued)
      steps.push_back({"claim", enqueued->ids, enqueued->rows});
    auto count = std::min(jobs_per_transaction, jobs - inserted);
    std::optional<step> next;
    if (count > 0) {
      next = step{"insert", id_array(static_cast<std::int64_t>(inserted) + 1, count),
                  count};
      steps.push_back(*next);
    }
    BOOST_OUTCOME_TRYV(run_transaction(c, steps, now_ms()));
    completed += claimed ? claimed->rows : 0;
    claimed = enqueued;
    enqueued = next;
    inserted += count;
  }
  return jobrt::outcome::success();
}

} // namespace

jobrt::result<postgres_reference_result, std::string>
measure_postgres_reference(const std::string& uri, const std::string& schema,
                           std::size_t jobs) {
  postgres_schema_dropper dropper{uri, schema};
  BOOST_OUTCOME_TRY(c, open_fresh(uri, schema));
  auto start = steady::now();
  BOOST_OUTCOME_TRYV(run_jobs(c.get(), jobs));
  auto seconds = std::chrono::duration<double>(steady::now() - start).count();
  return postgres_reference_result{
      seconds > 0 ? static_cast<double>(jobs) / seconds : 0.0, jobs};
}

} // namespace bench
