#include "jobrt/persistence/postgres_schema.hpp"

#include <array>

namespace jobrt {

namespace {

// Step i migrates version i to i + 1. Never edit a released step: add one.
// Times are milliseconds since the epoch (bigint), as in the SQLite store
// and in jobrt's records; job_overview shows them as timestamps.
constexpr std::array<const char*, postgres_schema_version> migrations{
    // 0 -> 1: the first layout.
    R"sql(
CREATE TABLE {s}.meta(key text PRIMARY KEY, value bigint NOT NULL);
CREATE SEQUENCE {s}.job_ids;
CREATE TABLE {s}.jobs(
  id bigint PRIMARY KEY DEFAULT nextval('{s}.job_ids'),
  type text NOT NULL,
  queue text NOT NULL,
  payload bytea NOT NULL,
  priority integer NOT NULL,
  state text NOT NULL CHECK (state IN ('pending','scheduled','processing',
                                       'retrying','completed','dead','cancelled')),
  attempt integer NOT NULL,
  max_attempts integer NOT NULL,
  run_at bigint NOT NULL,
  timeout_ms bigint NOT NULL,
  breaker_key text NOT NULL,
  unique_key text,
  cancel_requested boolean NOT NULL,
  output bytea,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  finished_at bigint,
  owner text NOT NULL DEFAULT '',
  lease_until bigint,
  errors jsonb NOT NULL DEFAULT '[]');
ALTER SEQUENCE {s}.job_ids OWNED BY {s}.jobs.id;
-- One partial index per question a commit asks: unique keys of live jobs,
-- the claim (ready, and waiting jobs that came due), retention, and the
-- processing jobs of an owner (rescue, commands).
CREATE UNIQUE INDEX jobs_live_unique_key ON {s}.jobs(unique_key)
  WHERE unique_key IS NOT NULL
    AND state IN ('pending','scheduled','processing','retrying');
CREATE INDEX jobs_ready ON {s}.jobs(type, priority, run_at, id)
  WHERE state = 'pending';
CREATE INDEX jobs_waiting ON {s}.jobs(type, run_at, id)
  WHERE state IN ('scheduled','retrying');
CREATE INDEX jobs_finished ON {s}.jobs(state, (coalesce(finished_at, updated_at)), id)
  WHERE state IN ('completed','dead','cancelled');
CREATE INDEX jobs_processing ON {s}.jobs(owner) WHERE state = 'processing';
-- A finished job's row changes no more; the rest churn. Leave room on
-- each page so that most updates stay on their page (HOT, no index work
-- where no indexed column changes).
ALTER TABLE {s}.jobs SET (fillfactor = 80);
CREATE TABLE {s}.commands(
  seq bigserial PRIMARY KEY,
  job_id bigint NOT NULL,
  kind text NOT NULL,
  at bigint NOT NULL);
-- Every runtime on the database: its heartbeat, on the database's clock.
CREATE TABLE {s}.nodes(
  owner text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  dead_after_ms bigint NOT NULL);
-- The leader's lease: whoever holds an unexpired row rescues and prunes.
CREATE TABLE {s}.leader(
  name text PRIMARY KEY,
  owner text NOT NULL,
  expires_at timestamptz NOT NULL);
CREATE FUNCTION {s}.now_ms() RETURNS bigint LANGUAGE sql STABLE AS
  $$ SELECT (extract(epoch FROM now()) * 1000)::bigint $$;
-- The transactional enqueue: called inside the caller's own transaction,
-- the job exists exactly when that transaction commits. It writes the
-- record make_job (actors/transitions.hpp) writes for the same spec: pending,
-- or scheduled when run_at lies ahead; attempt 0. A live job holding
-- unique_key is returned instead of a new one.
CREATE FUNCTION {s}.enqueue(
    type text,
    payload text DEFAULT '',
    queue text DEFAULT 'default',
    priority integer DEFAULT 0,
    run_at timestamptz DEFAULT NULL,
    max_attempts integer DEFAULT 5,
    timeout interval DEFAULT interval '30 minutes',
    breaker_key text DEFAULT NULL,
    unique_key text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  t bigint := {s}.now_ms();
  due bigint := coalesce((extract(epoch FROM run_at) * 1000)::bigint, t);
  id bigint;
BEGIN
  IF type IS NULL OR type = '' THEN
    RAISE EXCEPTION 'jobrt.enqueue: type must not be empty';
  END IF;
  IF priority NOT BETWEEN 0 AND 9 THEN
    RAISE EXCEPTION 'jobrt.enqueue: priority % out of range 0-9', priority;
  END IF;
  IF max_attempts NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'jobrt.enqueue: max_attempts % out of range 1-1000', max_attempts;
  END IF;
  INSERT INTO {s}.jobs AS j(type, queue, payload, priority, state, attempt,
                            max_attempts, run_at, timeout_ms, breaker_key,
                            unique_key, cancel_requested, created_at, updated_at)
  VALUES (enqueue.type, enqueue.queue, convert_to(enqueue.payload, 'UTF8'),
          enqueue.priority,
          CASE WHEN due > t THEN 'scheduled' ELSE 'pending' END, 0,
          enqueue.max_attempts, due,
          (extract(epoch FROM enqueue.timeout) * 1000)::bigint,
          coalesce(enqueue.breaker_key, enqueue.type), enqueue.unique_key,
          false, t, t)
  ON CONFLICT DO NOTHING
  RETURNING j.id INTO id;
  IF id IS NULL THEN
    SELECT j.id INTO id FROM {s}.jobs j
      WHERE j.unique_key = enqueue.unique_key
        AND j.state IN ('pending','scheduled','processing','retrying');
  ELSE
    PERFORM pg_notify('{s}_ready', '');
  END IF;
  RETURN id;
END $$;
CREATE VIEW {s}.job_overview AS
  SELECT id, type, queue, state, attempt, max_attempts, priority,
         to_timestamp(run_at / 1000.0) AS run_at,
         to_timestamp(finished_at / 1000.0) AS finished_at,
         unique_key, owner, jsonb_array_length(errors) AS errors
  FROM {s}.jobs;
)sql",
};

store_error no_schema(std::string_view schema) {
  return store_error{store_error::code_type::io,
                     "PostgreSQL: no jobrt schema '" + std::string(schema) +
                         "' in this database (a runtime creates it at its "
                         "first start)"};
}

} // namespace

result<void, store_error> check_schema_name(std::string_view name) {
  auto bad = [&](const char* why) -> result<void, store_error> {
    return store_error{store_error::code_type::io,
                       "PostgreSQL: schema name '" + std::string(name) +
                           "' " + why};
  };
  if (name.empty() || name.size() > 50)
    return bad("must have 1 to 50 bytes");
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z')))
    return bad("must start with a lower-case letter or '_'");
  for (char c : name)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return bad("may hold only lower-case letters, digits and '_'");
  return outcome::success();
}

std::string in_schema(std::string_view sql, std::string_view schema) {
  std::string out;
  out.reserve(sql.size() + 64);
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql.compare(i, 3, "{s}") == 0) {
      out += schema;
      i += 2;
    } else {
      out.push_back(sql[i]);
    }
  }
  return out;
}

result<std::int32_t, store_error> postgres_schema_of(postgres_connection& c,
                                                     std::string_view schema) {
  auto sql = in_schema("SELECT to_regclass('{s}.meta') IS NOT NULL", schema);
  BOOST_OUTCOME_TRY(has, c.exec(sql, "cannot read the schema version"));
  if (has.size() == 0 || !has.boolean(0, 0))
    return no_schema(schema);
  BOOST_OUTCOME_TRY(version,
                    c.exec(in_schema("SELECT value FROM {s}.meta "
                                     "WHERE key = 'schema_version'",
                                     schema),
                           "cannot read the schema version"));
  if (version.size() == 0)
    return store_error{store_error::code_type::corrupt,
                       "PostgreSQL: schema '" + std::string(schema) +
                           "' has no schema_version"};
  auto v = version.number(0, 0);
  if (v > postgres_schema_version)
    return store_error{store_error::code_type::version,
                       "PostgreSQL: schema '" + std::string(schema) +
                           "' was written by a newer jobrt (version " +
                           std::to_string(v) + ", this build knows " +
                           std::to_string(postgres_schema_version) + ")"};
  return static_cast<std::int32_t>(v);
}

result<std::int32_t, store_error> postgres_migrate(postgres_connection& c,
                                                   std::string_view schema) {
  BOOST_OUTCOME_TRYV(check_schema_name(schema));
  BOOST_OUTCOME_TRYV(c.exec("BEGIN", "cannot start the schema migration"));
  auto migrated = [&]() -> result<std::int32_t, store_error> {
    // One lock per schema name, held to the end of this transaction: the
    // other processes starting now wait here, then find the work done.
    BOOST_OUTCOME_TRYV(c.exec(
        in_schema("SELECT pg_advisory_xact_lock(hashtextextended('jobrt "
                  "migrate {s}', 0))",
                  schema),
        "cannot lock the schema migration"));
    BOOST_OUTCOME_TRYV(c.exec(in_schema("CREATE SCHEMA IF NOT EXISTS {s}", schema),
                              "cannot create the schema"));
    std::int32_t found = 0;
    if (auto version = postgres_schema_of(c, schema); version)
      found = version.value();
    else if (version.error().code != store_error::code_type::io)
      return version.error();
    for (auto step = found; step < postgres_schema_version; ++step) {
      BOOST_OUTCOME_TRYV(
          c.exec(in_schema(migrations[static_cast<std::size_t>(step)], schema),
                 "cannot migrate the schema"));
    }
    if (found != postgres_schema_version) {
      BOOST_OUTCOME_TRYV(c.exec(
          in_schema("INSERT INTO {s}.meta(key, value) VALUES ('schema_version', " +
                        std::to_string(postgres_schema_version) +
                        ") ON CONFLICT (key) DO UPDATE SET value = "
                        "excluded.value",
                    schema),
          "cannot migrate the schema"));
    }
    BOOST_OUTCOME_TRYV(c.exec("COMMIT", "cannot migrate the schema"));
    return found;
  }();
  if (!migrated && c.ok())
    (void) c.exec("ROLLBACK", "rollback");
  return migrated;
}

} // namespace jobrt
