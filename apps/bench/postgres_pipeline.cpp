#include "postgres_pipeline.hpp"

#include "postgres_schemas.hpp"

#include "jobrt/persistence/postgres_store.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <string_view>

namespace bench {

void pg_connection_closer::operator()(pg_conn* c) const { PQfinish(c); }

namespace {

/// A server that answers nothing for this long is taken as gone.
constexpr int io_limit_ms = 60'000;

std::string failure(PGconn* c, const std::string& what, std::string_view step) {
  std::string message = PQerrorMessage(c);
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  return what + ": " + std::string(step) + ": " + message;
}

std::string in_schema(std::string sql, const std::string& schema) {
  for (auto at = sql.find("{s}"); at != std::string::npos;
       at = sql.find("{s}", at))
    sql.replace(at, 3, schema);
  return sql;
}

pg_status migrate(const std::string& uri, const std::string& schema,
                  const std::string& what) {
  jobrt::postgres_options options;
  options.schema = schema;
  options.role = jobrt::postgres_options::role_type::tool;
  auto store = jobrt::postgres_store::open(uri, options);
  if (!store)
    return what + ": " + store.error().message;
  return jobrt::outcome::success();
}

pg_status command(PGconn* c, PGresult* r, const std::string& what,
                  std::string_view step) {
  auto ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok)
    return failure(c, what, step);
  return jobrt::outcome::success();
}

/// Waits until the socket is ready for `events`.
pg_status wait_for(PGconn* c, short events, const std::string& what) {
  pollfd p{PQsocket(c), events, 0};
  int n = ::poll(&p, 1, io_limit_ms);
  if (n < 0)
    return what + ": poll failed";
  if (n == 0)
    return what + ": the server did not answer for " +
           std::to_string(io_limit_ms / 1000) + " s";
  if ((p.revents & POLLIN) != 0 && PQconsumeInput(c) == 0)
    return failure(c, what, "receive");
  return jobrt::outcome::success();
}

/// Sends what libpq holds, reading the server's answers meanwhile.
pg_status flush(PGconn* c, const std::string& what) {
  for (;;) {
    int left = PQflush(c);
    if (left == 0)
      return jobrt::outcome::success();
    if (left < 0)
      return failure(c, what, "send");
    BOOST_OUTCOME_TRYV(wait_for(c, POLLIN | POLLOUT, what));
  }
}

/// The next result of the pipeline (null: the current query's are done).
jobrt::result<PGresult*, std::string> next_result(PGconn* c,
                                                  const std::string& what) {
  while (PQisBusy(c) != 0) {
    BOOST_OUTCOME_TRYV(wait_for(c, POLLIN, what));
  }
  return PQgetResult(c);
}

bool changed(PGresult* r, std::size_t rows) {
  std::string_view text = PQcmdTuples(r);
  std::size_t n = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  return error == std::errc() && end == text.data() + text.size() && n == rows;
}

} // namespace

jobrt::result<pg_connection, std::string>
open_reference_connection(const std::string& uri, const std::string& schema,
                          const std::vector<pg_statement>& statements,
                          const std::string& what) {
  (void) drop_postgres_schema(uri, schema);
  BOOST_OUTCOME_TRYV(migrate(uri, schema, what));
  pg_connection c{PQconnectdb(uri.c_str())};
  if (PQstatus(c.get()) != CONNECTION_OK)
    return failure(c.get(), what, "connect");
  // The store's durability: every COMMIT waits for its WAL flush.
  BOOST_OUTCOME_TRYV(command(c.get(),
                             PQexec(c.get(), "SET synchronous_commit = on"),
                             what, "synchronous_commit"));
  for (const auto& s : statements) {
    BOOST_OUTCOME_TRYV(command(c.get(),
                               PQprepare(c.get(), s.name,
                                         in_schema(s.sql, schema).c_str(), 0,
                                         nullptr),
                               what, std::string("prepare ") + s.name));
  }
  if (PQsetnonblocking(c.get(), 1) != 0 || PQenterPipelineMode(c.get()) == 0)
    return failure(c.get(), what, "pipeline mode");
  return c;
}

pg_status run_pipelined_transaction(pg_conn* c, const std::vector<pg_call>& calls,
                                    const std::string& what) {
  auto simple = [&](const char* sql) {
    return PQsendQueryParams(c, sql, 0, nullptr, nullptr, nullptr, nullptr, 0);
  };
  if (simple("BEGIN") == 0)
    return failure(c, what, "begin");
  std::vector<const char*> values;
  for (const auto& call : calls) {
    values.clear();
    for (const auto& p : call.params)
      values.push_back(p.c_str());
    if (PQsendQueryPrepared(c, call.statement, static_cast<int>(values.size()),
                            values.data(), nullptr, nullptr, 0) == 0)
      return failure(c, what, call.statement);
  }
  if (simple("COMMIT") == 0 || PQpipelineSync(c) == 0)
    return failure(c, what, "commit");
  BOOST_OUTCOME_TRYV(flush(c, what));
  std::string error;
  auto step = [&](std::size_t q) -> std::string_view {
    return q == 0 ? "begin" : q <= calls.size() ? calls[q - 1].statement
                                                : "commit";
  };
  // Each query's results end with a null; the sync's result comes last.
  for (std::size_t q = 0; q < calls.size() + 2; ++q) {
    for (;;) {
      BOOST_OUTCOME_TRY(r, next_result(c, what));
      if (r == nullptr)
        break;
      if (error.empty() && PQresultStatus(r) != PGRES_COMMAND_OK) {
        std::string message = PQresultErrorMessage(r);
        while (!message.empty() && message.back() == '\n')
          message.pop_back();
        error = what + ": " + std::string(step(q)) + ": " + message;
      }
      else if (error.empty() && q > 0 && q <= calls.size() &&
               !changed(r, calls[q - 1].rows))
        error = what + ": " + std::string(step(q)) +
                ": the rows it changed are not as expected";
      PQclear(r);
    }
  }
  BOOST_OUTCOME_TRY(sync, next_result(c, what));
  auto synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!error.empty())
    return error;
  if (!synced)
    return failure(c, what, "pipeline sync");
  return jobrt::outcome::success();
}

} // namespace bench
