#include "postgres_schemas.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

namespace bench {

namespace {

std::string& schema_override() {
  static std::string schema;
  return schema;
}

} // namespace

std::string run_schema() {
  if (!schema_override().empty())
    return schema_override();
  return "bench_" + std::to_string(::getpid());
}

void use_run_schema(std::string schema) { schema_override() = std::move(schema); }

bool drop_postgres_schema(const std::string& uri, const std::string& schema) {
  PGconn* c = PQconnectdb(uri.c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    PGresult* r =
        PQexec(c, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE").c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  if (!ok)
    std::fprintf(stderr, "jobrt-bench: cannot drop schema %s: %s",
                 schema.c_str(), PQerrorMessage(c));
  PQfinish(c);
  return ok;
}

} // namespace bench
