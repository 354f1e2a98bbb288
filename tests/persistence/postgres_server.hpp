#pragma once

// The PostgreSQL server the tests use: JOBRT_TEST_POSTGRES names it (a
// URI; .ci/run starts a throwaway cluster with .ci/start-postgres and sets
// it). Without it, PostgreSQL cases are skipped with a visible message;
// with JOBRT_REQUIRE_POSTGRES=1 (CI) they fail instead.
//
// Each test works in a schema of its own (postgres_scratch), dropped with
// everything in it when the test ends, so tests may run side by side on one
// server.

#include "jobrt/persistence/postgres_store.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <libpq-fe.h>
#include <unistd.h>

namespace jobrt::test {

inline std::optional<std::string> postgres_uri() {
  const char* uri = std::getenv("JOBRT_TEST_POSTGRES");
  if (uri == nullptr || *uri == '\0')
    return std::nullopt;
  return std::string(uri);
}

inline bool postgres_required() {
  const char* required = std::getenv("JOBRT_REQUIRE_POSTGRES");
  return required != nullptr && std::string(required) == "1";
}

/// The server's URI, or skips the test (fails it where required).
#define REQUIRE_POSTGRES(uri)                                                  \
  auto uri##_found = ::jobrt::test::postgres_uri();                            \
  if (!uri##_found) {                                                          \
    if (::jobrt::test::postgres_required())                                    \
      FAIL("JOBRT_TEST_POSTGRES is not set, and JOBRT_REQUIRE_POSTGRES=1");    \
    WARN("skipped: no PostgreSQL server (set JOBRT_TEST_POSTGRES, see "        \
         ".ci/start-postgres)");                                               \
    return;                                                                    \
  }                                                                            \
  const std::string uri = *uri##_found

/// Runs one SQL statement on a connection of its own; its first value.
inline std::string postgres_query(const std::string& uri, const std::string& sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  std::string out;
  if (PQstatus(c) == CONNECTION_OK) {
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
      out = PQgetvalue(r, 0, 0);
    else if (PQresultStatus(r) != PGRES_COMMAND_OK &&
             PQresultStatus(r) != PGRES_TUPLES_OK)
      out = std::string("error: ") + PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

/// A schema for one test, dropped when it ends.
class postgres_scratch {
public:
  explicit postgres_scratch(std::string uri) : uri_(std::move(uri)) {
    static std::atomic<int> counter{0};
    schema_ = "t" + std::to_string(::getpid()) + "_" +
              std::to_string(counter.fetch_add(1));
  }
  ~postgres_scratch() {
    postgres_query(uri_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  postgres_scratch(const postgres_scratch&) = delete;
  postgres_scratch& operator=(const postgres_scratch&) = delete;

  const std::string& uri() const noexcept { return uri_; }
  const std::string& schema() const noexcept { return schema_; }
  postgres_options options() const {
    postgres_options o;
    o.schema = schema_;
    return o;
  }

private:
  std::string uri_;
  std::string schema_;
};

/// A postgres_store that drops its schema when closed (after closing).
class scratch_postgres_store final : public job_store {
public:
  scratch_postgres_store(std::string uri, postgres_options options)
    : scratch_(std::move(uri)) {
    options.schema = scratch_.schema();
    auto opened = postgres_store::open(scratch_.uri(), options);
    if (!opened)
      FAIL("cannot open the PostgreSQL store: " << opened.error().message);
    store_ = std::move(opened).value();
  }
  ~scratch_postgres_store() override { store_.reset(); }

  postgres_store& inner() { return *store_; }
  const postgres_scratch& scratch() const { return scratch_; }

  std::string_view name() const noexcept override { return store_->name(); }
  result<store_receipt, store_error> commit(store_batch& batch) override {
    return store_->commit(batch);
  }
  std::shared_ptr<job_reader> reader() override { return store_->reader(); }
  std::size_t max_payload_bytes() const noexcept override {
    return store_->max_payload_bytes();
  }
  bool shared() const noexcept override { return true; }
  std::optional<std::string> node() const override { return store_->node(); }
  void on_wake(std::function<void()> wake) override {
    store_->on_wake(std::move(wake));
  }

private:
  postgres_scratch scratch_; // outlives the store
  std::unique_ptr<postgres_store> store_;
};

} // namespace jobrt::test
