#include "jobrt/persistence/store_location.hpp"

#include "jobrt/persistence/postgres_connection.hpp"
#include "jobrt/persistence/postgres_store.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

namespace jobrt {

bool names_postgres(std::string_view location) noexcept {
  return is_postgres_uri(location);
}

result<std::shared_ptr<job_store>, store_error>
open_store_at(const std::string& location, const sqlite_options& sqlite,
              const postgres_options& postgres) {
  if (names_postgres(location)) {
    BOOST_OUTCOME_TRY(store, postgres_store::open(location, postgres));
    return std::shared_ptr<job_store>(std::move(store));
  }
  BOOST_OUTCOME_TRY(store, sqlite_store::open(location, sqlite));
  return std::shared_ptr<job_store>(std::move(store));
}

} // namespace jobrt
