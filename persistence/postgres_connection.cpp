#include "jobrt/persistence/postgres_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace jobrt {

namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
    m.pop_back();
  return m;
}

} // namespace

// -- parameters -----------------------------------------------------------------

postgres_params& postgres_params::text(std::string value) {
  values_.emplace_back(std::move(value));
  formats_.push_back(0);
  return *this;
}

postgres_params& postgres_params::number(std::int64_t value) {
  return text(std::to_string(value));
}

postgres_params& postgres_params::binary(std::string value) {
  values_.emplace_back(std::move(value));
  formats_.push_back(1);
  return *this;
}

postgres_params& postgres_params::null() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

std::vector<const char*> postgres_params::values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_)
    out.push_back(v ? v->c_str() : nullptr);
  return out;
}

std::vector<int> postgres_params::lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const auto& v : values_)
    out.push_back(v ? static_cast<int>(v->size()) : 0);
  return out;
}

// -- arrays ---------------------------------------------------------------------

void postgres_array::add(std::int64_t v) {
  put_u32(elements_, 8);
  put_u64(elements_, static_cast<std::uint64_t>(v));
  ++count_;
}

void postgres_array::add(std::int32_t v) {
  put_u32(elements_, 4);
  put_u32(elements_, static_cast<std::uint32_t>(v));
  ++count_;
}

void postgres_array::add(bool v) {
  put_u32(elements_, 1);
  elements_.push_back(v ? 1 : 0);
  ++count_;
}

void postgres_array::add(std::string_view bytes) {
  put_u32(elements_, static_cast<std::uint32_t>(bytes.size()));
  elements_.append(bytes);
  ++count_;
}

void postgres_array::add_null() {
  put_u32(elements_, 0xffffffffu); // length -1
  ++count_;
}

std::string postgres_array::value() const {
  // The binary array format: dimensions, a has-null flag (ignored on
  // input), the element type, then per dimension its length and lower
  // bound; each element as a length and its binary value.
  std::string out;
  out.reserve(20 + elements_.size());
  put_u32(out, 1);
  put_u32(out, 0);
  put_u32(out, static_cast<std::uint32_t>(type_));
  put_u32(out, static_cast<std::uint32_t>(count_));
  put_u32(out, 1);
  out += elements_;
  return out;
}

// -- results --------------------------------------------------------------------

void postgres_rows::free_result::operator()(pg_result* r) const noexcept {
  PQclear(r);
}

int postgres_rows::size() const noexcept {
  return result_ ? PQntuples(result_.get()) : 0;
}

bool postgres_rows::null(int row, int col) const {
  return PQgetisnull(result_.get(), row, col) != 0;
}

std::string_view postgres_rows::text(int row, int col) const {
  return {PQgetvalue(result_.get(), row, col),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, col))};
}

std::int64_t postgres_rows::number(int row, int col) const {
  return std::strtoll(PQgetvalue(result_.get(), row, col), nullptr, 10);
}

std::optional<std::int64_t> postgres_rows::optional_number(int row,
                                                           int col) const {
  if (null(row, col))
    return std::nullopt;
  return number(row, col);
}

bool postgres_rows::boolean(int row, int col) const {
  return text(row, col) == "t";
}

std::string postgres_rows::bytes(int row, int col) const {
  auto hex = text(row, col);
  std::string out;
  if (hex.size() < 2 || hex[0] != '\\' || hex[1] != 'x')
    return std::string(hex); // the connection sets bytea_output = hex
  out.reserve((hex.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(hex_value(hex[i]) * 16 +
                                    hex_value(hex[i + 1])));
  return out;
}

std::uint64_t postgres_rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n != nullptr && *n != '\0' ? std::strtoull(n, nullptr, 10) : 0;
}

// -- errors ---------------------------------------------------------------------

bool postgres_connection_lost(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" ||
         sqlstate == "57P02" || sqlstate == "57P03" || sqlstate.empty();
}

store_error postgres_error(std::string_view sqlstate, std::string_view message,
                           std::string_view doing) {
  using code = store_error::code_type;
  auto c = code::io;
  std::string why;
  if (sqlstate == "08001") {
    why = "cannot reach the server: ";
  } else if (postgres_connection_lost(sqlstate)) {
    why = "the connection to PostgreSQL is lost: ";
  } else if (sqlstate == "53100") {
    why = "the database is full: ";
  } else if (sqlstate.starts_with("53")) {
    why = "the server is out of resources: ";
  } else if (sqlstate == "25006") {
    why = "the server is read-only: ";
  } else if (sqlstate == "40001" || sqlstate == "40P01" ||
             sqlstate == "55P03") {
    c = code::locked;
  } else if (sqlstate == "23505") {
    c = code::conflict;
  } else if (sqlstate == "54000" || sqlstate == "22001") {
    c = code::too_large;
  }
  std::string text = "PostgreSQL: " + std::string(doing) + ": " + why +
                     std::string(message);
  if (!sqlstate.empty())
    text += " (SQLSTATE " + std::string(sqlstate) + ")";
  return store_error{c, std::move(text)};
}

// -- the connection -------------------------------------------------------------

void postgres_connection::close_conn::operator()(pg_conn* c) const noexcept {
  PQfinish(c);
}

result<postgres_connection, store_error>
postgres_connection::open(const std::string& conninfo) {
  PGconn* raw = PQconnectdb(conninfo.c_str());
  if (raw == nullptr)
    return postgres_error("", "out of memory", "cannot connect");
  postgres_connection c{raw};
  if (PQstatus(raw) != CONNECTION_OK)
    return postgres_error("08001", trimmed(PQerrorMessage(raw)),
                          "cannot connect");
  // Results are read as text; bytea then comes as hex, whatever the
  // server's default. Notices (e.g. "schema already exists") are not ours
  // to print.
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  BOOST_OUTCOME_TRYV(c.exec("SET bytea_output = 'hex'; SET client_encoding = 'UTF8'",
                            "cannot set up the connection"));
  return c;
}

postgres_connection::~postgres_connection() = default;

bool postgres_connection::ok() const noexcept {
  return conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

int postgres_connection::socket() const noexcept {
  return conn_ ? PQsocket(conn_.get()) : -1;
}

std::string postgres_connection::where() const {
  if (!conn_)
    return "(not connected)";
  std::string host = PQhost(conn_.get()) != nullptr ? PQhost(conn_.get()) : "";
  std::string port = PQport(conn_.get()) != nullptr ? PQport(conn_.get()) : "";
  return host + ":" + port;
}

result<postgres_rows, store_error>
postgres_connection::check(pg_result* r, std::string_view doing) {
  postgres_rows rows{r};
  auto status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return rows;
  const char* state =
      r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = r != nullptr && PQresultErrorMessage(r)[0] != '\0'
                            ? trimmed(PQresultErrorMessage(r))
                            : trimmed(PQerrorMessage(conn_.get()));
  std::string_view sqlstate = state != nullptr ? state : "";
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    sqlstate = ""; // whatever the statement said, the connection is gone
  return postgres_error(sqlstate, message, doing);
}

result<postgres_rows, store_error>
postgres_connection::run(const std::string& name, const std::string& sql,
                         const postgres_params& params, std::string_view doing) {
  if (!ok())
    return postgres_error("", "not connected", doing);
  if (!prepared_.contains(name)) {
    BOOST_OUTCOME_TRYV(check(PQprepare(conn_.get(), name.c_str(), sql.c_str(),
                                       params.size(), nullptr),
                             doing));
    prepared_.insert(name);
  }
  auto values = params.values();
  auto lengths = params.lengths();
  return check(PQexecPrepared(conn_.get(), name.c_str(), params.size(),
                              values.data(), lengths.data(),
                              params.formats().data(), 0),
               doing);
}

result<postgres_rows, store_error>
postgres_connection::exec(const std::string& sql, std::string_view doing) {
  if (!ok())
    return postgres_error("", "not connected", doing);
  return check(PQexec(conn_.get(), sql.c_str()), doing);
}

result<std::vector<std::pair<std::string, std::string>>, store_error>
postgres_connection::notifications() {
  std::vector<std::pair<std::string, std::string>> out;
  if (!ok() || PQconsumeInput(conn_.get()) == 0)
    return postgres_error("", trimmed(PQerrorMessage(conn_.get())),
                          "cannot read notifications");
  while (PGnotify* n = PQnotifies(conn_.get())) {
    out.emplace_back(n->relname, n->extra != nullptr ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

bool is_postgres_uri(std::string_view location) noexcept {
  return location.starts_with("postgresql://") ||
         location.starts_with("postgres://");
}

} // namespace jobrt
