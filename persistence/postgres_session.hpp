#pragma once

// One connection of the PostgreSQL store and the schema its statements run
// in: connects (again) when asked, prepares each statement once per
// connection, and names itself in pg_stat_activity.
// Internal to the PostgreSQL store; not part of jobrt's API.

#include "jobrt/persistence/postgres_connection.hpp"
#include "jobrt/persistence/postgres_schema.hpp"
#include "jobrt/persistence/postgres_statements.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace jobrt {

class postgres_session {
public:
  /// `purpose` names the connection in pg_stat_activity ("jobrt writer
  /// SCHEMA"), for operators and tests.
  postgres_session(std::string conninfo, std::string schema, const char* purpose)
    : conninfo_(std::move(conninfo)), schema_(std::move(schema)),
      purpose_(purpose) {}

  /// Connects if there is no working connection.
  result<void, store_error> connect() {
    if (conn_.ok())
      return outcome::success();
    BOOST_OUTCOME_TRY(c, postgres_connection::open(conninfo_));
    BOOST_OUTCOME_TRYV(c.exec("SET application_name = 'jobrt " + purpose_ +
                                  " " + schema_ + "'",
                              "cannot set up the connection"));
    conn_ = std::move(c);
    return outcome::success();
  }
  result<postgres_rows, store_error> run(const postgres_sql::statement& s,
                                         const postgres_params& params,
                                         std::string_view doing) {
    auto& sql = sql_[s.name];
    if (sql.empty())
      sql = in_schema(s.sql, schema_);
    return conn_.run(s.name, sql, params, doing);
  }
  result<postgres_rows, store_error> exec(std::string_view sql,
                                          std::string_view doing) {
    return conn_.exec(in_schema(sql, schema_), doing);
  }
  postgres_connection& connection() { return conn_; }
  const std::string& schema() const { return schema_; }
  const std::string& conninfo() const { return conninfo_; }

private:
  std::string conninfo_;
  std::string schema_;
  std::string purpose_;
  postgres_connection conn_;
  std::unordered_map<std::string, std::string> sql_;
};

namespace postgres_detail {

/// Times as the schema keeps them: milliseconds since the epoch.
inline std::int64_t ms(time_point t) { return t.time_since_epoch().count(); }
inline time_point at_ms(std::int64_t v) { return time_point{duration{v}}; }

/// Job ids as one bigint[] parameter.
inline postgres_params ids_param(const std::vector<job_id>& ids) {
  postgres_array a{postgres_array::element::int8};
  for (auto id : ids)
    a.add(std::int64_t{id});
  postgres_params p;
  p.binary(a.value());
  return p;
}

} // namespace postgres_detail

} // namespace jobrt
