#include "postgres_schemas.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>

namespace bench {

std::string run_schema() { return "bench_" + std::to_string(::getpid()); }

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
