#pragma once

// The command line of jobrt-bench. Every flag takes exactly one value
// ("--jobs 5000" or "--jobs=5000"); a dozen flags did not need CLI11.

#include "jobrt/messages/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bench {

enum class workload { w1, w2, w4, w5, http };

struct options {
  /// In the order they run: W1 before W2 and W5, so they can compare with
  /// W1.
  std::vector<workload> workloads;
  std::string store = "memory"; ///< or "sqlite", or "postgresql"
  /// The SQLite file of --store sqlite; replaced at the start of each
  /// workload. The raw SQLite reference uses PATH.reference beside it.
  /// A postgresql:// (postgres://) URI selects the PostgreSQL store: each
  /// workload then runs in a fresh schema of its own on that database,
  /// dropped at the end (postgres_schemas.hpp).
  std::string db = "jobrt-bench.db";
  /// PostgreSQL: runtime processes sharing the queue (W1, W2).
  std::size_t nodes = 1;
  /// --nodes was given: W1/W2 then run on that many node processes
  /// (node_group.hpp), also one; without it, in this process.
  bool nodes_given = false;
  /// Hidden: this process is node I of a --nodes run (node_child.hpp),
  /// on the parent's schema (--node-child I --node-schema NAME).
  std::optional<std::size_t> node_child;
  std::string node_schema;
  bool synchronous_full = true; ///< --synchronous full|normal
  /// Jobs of W1, W2 and W5; unset: each workload's own default.
  std::optional<std::size_t> jobs;
  /// W5's backlog without --jobs: 1,000,000 alone, 100,000 within "all"
  /// (where a million would take minutes of the run).
  std::size_t backlog_jobs = 1'000'000;
  std::size_t deadlines = 1'000'000;
  std::size_t max_in_flight = 1024;
  /// CAF scheduler threads of the runtimes (W1, W2); 0: CAF's default.
  std::size_t scheduler_threads = 1; ///< the runtime's default
  std::size_t reference_trips = 1'000'000;
  std::size_t latency_jobs = 20'000;
  /// Runs of the reference and of W2 (short and noisy); medians are reported.
  std::size_t repeat = 3;
  std::uint64_t seed = 42;
  /// --workload http (http_workload.hpp): keep-alive client connections,
  /// one thread each.
  std::size_t connections = 16;
  /// --workload http: jobs in the store its list run reads.
  std::size_t stored_jobs = 1'000'000;
  /// --workload http: the jobrtd to start; empty: the one beside this
  /// executable.
  std::string jobrtd;
  /// Draw progress bars (only when stdout is a terminal).
  bool progress = false;
  bool help = false;
};

/// Parses argv; the error is a one-line message for the user.
jobrt::result<options, std::string> parse_options(int argc, char** argv);

/// The --help text.
std::string usage();

} // namespace bench
