#include "store_access.hpp"

#include "jobrt/persistence/postgres_store.hpp"
#include "jobrt/persistence/sqlite_store.hpp"
#include "jobrt/persistence/store_location.hpp"

#include <utility>

namespace jobctl {

namespace {

using jobrt::postgres_store;
using jobrt::sqlite_store;
using jobrt::store_error;

jobrt::postgres_options tool_options(const global_options& g) {
  jobrt::postgres_options options;
  options.schema = g.schema;
  options.role = jobrt::postgres_options::role_type::tool;
  options.create_if_missing = false; // a mistyped schema is not a new queue
  return options;
}

bool on_postgres(const global_options& g) {
  return jobrt::names_postgres(g.db_path);
}

} // namespace

command_error store_failure(const store_error& e) {
  return {command_error::code_type::store_failure,
          std::string(jobrt::to_string(e.code)), e.message};
}

jobrt::result<std::unique_ptr<jobrt::job_reader>, command_error>
open_for_reading(const global_options& g) {
  if (on_postgres(g)) {
    BOOST_OUTCOME_TRY(reader, open_postgres_reader(g));
    return std::unique_ptr<jobrt::job_reader>(std::move(reader));
  }
  auto reader = sqlite_store::open_reader(g.db_path);
  if (!reader)
    return store_failure(reader.error());
  return std::unique_ptr<jobrt::job_reader>(std::move(reader).value());
}

jobrt::result<std::unique_ptr<jobrt::postgres_reader>, command_error>
open_postgres_reader(const global_options& g) {
  if (!on_postgres(g))
    return command_error{command_error::code_type::refused, "not_postgres",
                         "nodes exist only on PostgreSQL (--db "
                         "postgresql://...); '" +
                             g.db_path + "' is a SQLite file, which one "
                                         "runtime owns"};
  auto reader = postgres_store::open_reader(g.db_path, tool_options(g));
  if (!reader)
    return store_failure(reader.error());
  return std::move(reader).value();
}

/// SQLite: as the file's owner when no runtime holds it; else beside the
/// runtime that does, whose writes are fenced as jobctl's are.
/// PostgreSQL: as a tool, beside whatever nodes run.
jobrt::result<changing_store, command_error>
open_for_changing(const global_options& g) {
  if (on_postgres(g)) {
    auto tool = postgres_store::open(g.db_path, tool_options(g));
    if (!tool)
      return store_failure(tool.error());
    return changing_store{std::move(tool).value(), true};
  }
  jobrt::sqlite_options options;
  options.create_if_missing = false; // a mistyped path is not a new store
  auto owner = sqlite_store::open(g.db_path, options);
  if (owner)
    return changing_store{std::move(owner).value(), false};
  if (owner.error().code != store_error::code_type::locked)
    return store_failure(owner.error());
  auto beside = sqlite_store::open_operator(g.db_path, options);
  if (!beside)
    return store_failure(beside.error());
  return changing_store{std::move(beside).value(), true};
}

} // namespace jobctl
