#pragma once

// The PostgreSQL store: several runtimes (nodes), on any number of
// machines, share one queue (DESIGN.md, "Persistence"; docs/postgres.md).
//
// Named by a libpq connection string, a postgresql:// or postgres:// URI
// (or key=value pairs), plus the schema (postgres_options). open() applies
// the schema migrations under an advisory lock, so exactly one of several
// processes starting together migrates.
//
// Nodes and leases. A node registers a row in {schema}.nodes and
// heartbeats it every postgres_options::heartbeat on a connection and
// thread of its own; a node not heard from within dead_after (by the
// database's clock) is dead. One node is leader, by a lease row renewed
// with each heartbeat; a dead leader's lease runs out within dead_after and
// the next heartbeat of another node takes it. The leader rescues the
// processing jobs of dead nodes and prunes finished jobs; on every other
// node, rescue and purge find nothing. A node that was paused past its
// window (SIGSTOP, a long GC in a neighbour, a frozen VM) is told so at its
// next heartbeat; the writes it then makes for attempts that were rescued
// meanwhile are refused as lost_lease (store_rules.hpp, fence_refusal).
//
// Claims take ready jobs, and scheduled or retrying jobs whose run_at has
// come (shared()), with FOR UPDATE SKIP LOCKED, so two nodes never take
// the same row and never wait for each other; the transition runs in C++
// (job_claim.hpp). A commit that inserts or frees ready jobs sends one
// NOTIFY on channel {schema}_ready; the other nodes' heartbeat threads
// listen and wake their runtimes (on_wake). The runtime polls as well, so
// a lost notification (or a pooler in between) costs at most a poll.
//
// Transactions: commit() is one transaction. A connection lost during
// COMMIT leaves its outcome unknown to the client; the store reconnects
// and asks the server (txid_status) whether it committed, so the runtime
// is told the truth. If the server cannot be reached at all, the commit is
// reported failed: its fenced writes are then written again and, where the
// first did land, refused (never applied twice).
//
// Threads: commit() from one thread at a time; the reader from any thread
// (one connection, one statement at a time).

#include "jobrt/persistence/job_store.hpp"
#include "jobrt/persistence/postgres_options.hpp"

#include <memory>
#include <string>
#include <vector>

namespace jobrt {

struct postgres_node {
  std::string owner;
  std::string host;
  std::int32_t pid = 0;
  time_point started_at{};
  time_point heartbeat_at{};
  duration dead_after{};
  /// Heard from within its dead_after, by the database's clock.
  bool alive = false;
  bool leader = false;
};

class postgres_reader final : public job_reader {
public:
  ~postgres_reader() override;
  postgres_reader(const postgres_reader&) = delete;
  postgres_reader& operator=(const postgres_reader&) = delete;

  result<std::optional<job>, store_error> find(job_id id) override;
  result<job_page, store_error> list(const job_query& query) override;
  result<state_counts, store_error> count_by_state() override;
  result<std::vector<type_count>, store_error> live_by_type() override;

  /// Every node on record, alive or dead (a dead one stays an hour).
  result<std::vector<postgres_node>, store_error> nodes();

private:
  friend class postgres_store;
  struct impl;
  explicit postgres_reader(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

class postgres_store final : public job_store {
public:
  /// Connects, migrates (a node, or a tool with create_if_missing) and, as
  /// a node, registers, heartbeats once and runs the election before
  /// returning, so a lone node is leader from its first commit.
  static result<std::unique_ptr<postgres_store>, store_error>
  open(const std::string& conninfo, postgres_options options = {});

  /// A reader on a connection of its own, without a store (jobctl).
  static result<std::unique_ptr<postgres_reader>, store_error>
  open_reader(const std::string& conninfo, postgres_options options = {});

  /// Deregisters the node (its leadership passes at once) and closes.
  ~postgres_store() override;
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

  std::string_view name() const noexcept override { return "postgresql"; }
  /// One transaction; see above. A tool's batch with a node's verbs
  /// (claims, renewal, rescue, stage, take_commands) is refused whole as
  /// store_error::not_owner.
  result<store_receipt, store_error> commit(store_batch& batch) override;
  std::shared_ptr<job_reader> reader() override;
  std::size_t max_payload_bytes() const noexcept override;
  bool shared() const noexcept override { return true; }
  void on_wake(std::function<void()> wake) override;

  /// The node's owner name (a tool: nullopt).
  std::optional<std::string> node() const override;

  /// Whether this node holds the leader's lease now.
  bool leader() const noexcept;

private:
  struct impl;
  explicit postgres_store(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace jobrt
