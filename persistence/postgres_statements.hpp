#pragma once

// The SQL of the PostgreSQL store, one statement per operation, with the
// name each is prepared under; "{s}" stands for the schema
// (postgres_schema.hpp, in_schema). Rows come and go as the arrays of
// postgres_job_rows.hpp.
// Internal to the PostgreSQL store; not part of jobrt's API.

#include "jobrt/persistence/postgres_job_rows.hpp"

#include <string>

namespace jobrt::postgres_sql {

using namespace std::string_literals;

inline const std::string job_set =
    "type = u.type, queue = u.queue, payload = u.payload, "
    "priority = u.priority, state = u.state, attempt = u.attempt, "
    "max_attempts = u.max_attempts, run_at = u.run_at, "
    "timeout_ms = u.timeout_ms, breaker_key = u.breaker_key, "
    "unique_key = u.unique_key, cancel_requested = u.cancel_requested, "
    "output = u.output, created_at = u.created_at, "
    "updated_at = u.updated_at, finished_at = u.finished_at, "
    "owner = u.owner, lease_until = u.lease_until, errors = u.errors::jsonb";

inline const std::string live_states =
    "('pending','scheduled','processing','retrying')";

/// The statements, by name; "{s}" is the schema.
struct statement {
  const char* name;
  std::string sql;
};

inline std::string select_jobs() {
  return "SELECT "s + std::string(postgres_job_columns) + " FROM {s}.jobs ";
}

// One round trip opens the transaction and learns its clock and id.
inline const std::string begin_transaction =
    "BEGIN; SELECT {s}.now_ms(), txid_current()";
inline const statement next_ids{
    "next_ids", "SELECT nextval('{s}.job_ids') FROM generate_series(1, $1::int)"};
inline const statement insert_jobs{
    "insert_jobs", "INSERT INTO {s}.jobs(" + std::string(postgres_job_columns) +
                       ") SELECT " + std::string(postgres_unnested_job) +
                       " FROM " + postgres_unnest_jobs(1) +
                       " ON CONFLICT DO NOTHING RETURNING id"};
// Without unique keys no insert can conflict (ids come from the
// sequence): a plain INSERT, which skips the speculative insertion that
// ON CONFLICT costs per row.
inline const statement insert_new_jobs{
    "insert_new_jobs", "INSERT INTO {s}.jobs(" + std::string(postgres_job_columns) +
                           ") SELECT " + std::string(postgres_unnested_job) +
                           " FROM " + postgres_unnest_jobs(1)};
inline const statement live_holders{
    "live_holders", "SELECT unique_key, id FROM {s}.jobs "
                    "WHERE unique_key = ANY($1::text[]) AND state IN " +
                        live_states};
inline const statement write_jobs{
    "write_jobs", "UPDATE {s}.jobs AS j SET " + job_set + " FROM " +
                      postgres_unnest_jobs(1, true) +
                      " WHERE j.id = u.id AND j.state = u.x_state "
                      "AND j.attempt = u.x_attempt AND j.owner = u.x_owner "
                      "RETURNING j.id"};
inline const statement write_claimed_rows{
    "write_claimed", "UPDATE {s}.jobs AS j SET " + job_set + " FROM " +
                         postgres_unnest_jobs(1) + " WHERE j.id = u.id"};
// A claim's rows, where the claim changed nothing but what a dispatch
// changes (postgres_claim_arrays::covers).
inline const statement write_claim_columns{
    "write_claim_columns",
    "UPDATE {s}.jobs AS j SET state = u.state, attempt = u.attempt, "
    "owner = u.owner, lease_until = u.lease_until, updated_at = u.updated_at "
    "FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], "
    "$5::bigint[], $6::bigint[]) AS u(id, state, attempt, owner, lease_until, "
    "updated_at) WHERE j.id = u.id"};
inline const statement select_fences{
    "select_fences", "SELECT id, state, attempt, owner FROM {s}.jobs "
                     "WHERE id = ANY($1::bigint[])"};
inline const statement remove_jobs{
    "remove_jobs",
    "DELETE FROM {s}.jobs AS j USING unnest($1::bigint[], $2::text[], "
    "$3::integer[], $4::text[]) AS u(id, x_state, x_attempt, x_owner) "
    "WHERE j.id = u.id AND j.state = u.x_state AND j.attempt = u.x_attempt "
    "AND j.owner = u.x_owner RETURNING j.id"};
inline const statement renew_leases{
    "renew_leases", "UPDATE {s}.jobs SET lease_until = $2 "
                    "WHERE state = 'processing' AND owner = $1"};
// store_rules' lease_expired, where an owner is gone when its node was not
// heard from within its window (by the database's clock) or never was.
inline const statement select_unowned{
    "select_unowned",
    select_jobs() +
        "AS j WHERE state = 'processing' "
        "AND (owner <> $1 OR lease_until < $2) "
        "AND (lease_until < $2 OR NOT EXISTS (SELECT 1 FROM {s}.nodes AS n "
        "WHERE n.owner = j.owner "
        "AND n.heartbeat_at > now() - n.dead_after_ms * interval '1 ms')) "
        "ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED"};
inline const statement select_ready{
    "select_ready", select_jobs() + "WHERE state = 'pending' AND type = $1 "
                                    "AND run_at <= $2 "
                                    "ORDER BY priority, run_at, id LIMIT $3 "
                                    "FOR UPDATE SKIP LOCKED"};
inline const statement select_come_due{
    "select_come_due",
    select_jobs() + "WHERE state IN ('scheduled','retrying') AND type = $1 "
                    "AND run_at <= $2 ORDER BY run_at, id LIMIT $3 "
                    "FOR UPDATE SKIP LOCKED"};
inline const statement select_due{
    "select_due", select_jobs() + "WHERE state IN ('scheduled','retrying') "
                                  "AND run_at <= $1 AND (run_at, id) > ($2, $3) "
                                  "ORDER BY run_at, id LIMIT $4"};
inline const statement purge_jobs{
    "purge_jobs",
    "DELETE FROM {s}.jobs WHERE id IN (SELECT id FROM {s}.jobs "
    "WHERE state = $1 AND state IN ('completed','dead','cancelled') "
    "AND coalesce(finished_at, updated_at) < $2 "
    "ORDER BY coalesce(finished_at, updated_at), id LIMIT $3 "
    "FOR UPDATE SKIP LOCKED)"};
inline const statement post_commands{
    "post_commands", "INSERT INTO {s}.commands(job_id, kind, at) SELECT * FROM "
                     "unnest($1::bigint[], $2::text[], $3::bigint[])"};
// A node takes the commands for the jobs it runs, and those for jobs no
// one runs (finished, or not there): every owner would ignore them.
inline const statement take_commands{
    "take_commands",
    "DELETE FROM {s}.commands AS c WHERE c.seq IN (SELECT c2.seq FROM "
    "{s}.commands AS c2 LEFT JOIN {s}.jobs AS j ON j.id = c2.job_id "
    "WHERE j.id IS NULL OR j.state <> 'processing' OR j.owner = $1 "
    "FOR UPDATE OF c2 SKIP LOCKED) RETURNING c.seq, c.job_id, c.kind, c.at"};
inline const statement notify_ready{"notify_ready",
                             "SELECT pg_notify('{s}_ready', $1)"};
inline const statement txid_status{"txid_status", "SELECT txid_status($1::bigint)"};

// The heartbeat: the node's row, and how long it was out of touch before.
inline const statement heartbeat{
    "heartbeat",
    "WITH prev AS (SELECT heartbeat_at FROM {s}.nodes WHERE owner = $1) "
    "INSERT INTO {s}.nodes AS n(owner, host, pid, started_at, heartbeat_at, "
    "dead_after_ms) VALUES ($1, $2, $3, now(), now(), $4) "
    "ON CONFLICT (owner) DO UPDATE SET heartbeat_at = now(), "
    "dead_after_ms = excluded.dead_after_ms "
    "RETURNING (SELECT (extract(epoch FROM now() - heartbeat_at) * 1000)"
    "::bigint FROM prev)"};
inline const statement elect{
    "elect",
    "INSERT INTO {s}.leader AS l(name, owner, expires_at) "
    "VALUES ('leader', $1, now() + $2 * interval '1 ms') "
    "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
    "expires_at = excluded.expires_at "
    "WHERE l.owner = excluded.owner OR l.expires_at < now() RETURNING owner"};
inline const statement forget_nodes{
    "forget_nodes",
    "DELETE FROM {s}.nodes WHERE heartbeat_at < now() - interval '1 hour'"};
inline const statement resign{"resign", "DELETE FROM {s}.leader WHERE owner = $1"};
inline const statement leave{"leave", "DELETE FROM {s}.nodes WHERE owner = $1"};

inline const statement find_job{"find_job", select_jobs() + "WHERE id = $1"};
inline const statement count_states{
    "count_states", "SELECT state, count(*) FROM {s}.jobs GROUP BY state"};
inline const statement count_live_types{
    "count_live_types", "SELECT type, count(*) FROM {s}.jobs WHERE state IN " +
                            live_states + " GROUP BY type ORDER BY type"};
inline const statement list_nodes{
    "list_nodes",
    "SELECT n.owner, n.host, n.pid, "
    "(extract(epoch FROM n.started_at) * 1000)::bigint, "
    "(extract(epoch FROM n.heartbeat_at) * 1000)::bigint, n.dead_after_ms, "
    "n.heartbeat_at > now() - n.dead_after_ms * interval '1 ms', "
    "coalesce(l.owner = n.owner AND l.expires_at > now(), false) "
    "FROM {s}.nodes AS n LEFT JOIN {s}.leader AS l ON l.name = 'leader' "
    "ORDER BY n.started_at, n.owner"};

} // namespace jobrt::postgres_sql
