#pragma once

// How a PostgreSQL store is opened (persistence/postgres_store.hpp): apart,
// so that runtime_config can name them without the store's own header.

#include "jobrt/messages/time.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace jobrt {

struct postgres_options {
  /// The schema that holds jobrt's tables; one database may hold several
  /// independent queues in several schemas.
  std::string schema = "jobrt";
  /// A runtime (node) registers itself, heartbeats, may become leader and
  /// claims jobs; a tool (jobctl) only reads, enqueues and makes fenced
  /// changes, and is never counted as a node.
  enum class role_type : std::uint8_t { node, tool };
  role_type role = role_type::node;
  /// This node's name in the owner column; empty: the runtime's owner, or
  /// host:pid:random.
  std::string node;
  /// How often a node tells the database it lives.
  duration heartbeat{std::chrono::seconds(1)};
  /// A node not heard from for this long is dead: the leader rescues its
  /// processing jobs, and another node takes over its leadership.
  duration dead_after{std::chrono::seconds(5)};
  /// Due times and leases by the database's clock, so that nodes with
  /// skewed clocks agree. false: by the `now` of each request (tests on
  /// simulated time).
  bool database_clock = true;
  /// As sqlite_options::max_payload_bytes.
  std::size_t max_payload_bytes = std::size_t{1} << 20;
  /// false: only a database that already holds the schema (tools).
  bool create_if_missing = true;
  /// Told of what a node should know but no call returns: the node was
  /// out of touch past dead_after, leadership won or lost, a lost
  /// connection. Called on the store's heartbeat thread.
  std::function<void(const std::string&)> on_notice;
};

} // namespace jobrt
