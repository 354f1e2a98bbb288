#pragma once

// The store side of W1, W2 and W5: which store a runtime uses (--store),
// the reference its throughput is compared with, and what group commit did.

#include "options.hpp"
#include "reference.hpp"
#include "report.hpp"

#include "jobrt/actors/runtime.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace bench {

/// Points `config` at a fresh store of the kind --store names: a memory
/// store, the SQLite file --db (removed first) with --synchronous, or the
/// PostgreSQL database --db in the run's schema (dropped first).
void use_store(jobrt::runtime_config& config, const options& opts);

/// Points `config` at the store an earlier runtime of this run left behind,
/// as it is: for --store memory `memory`, that runtime's config.store (a
/// memory store lives only in its object, so the object is handed on); for
/// --store sqlite the file --db, opened anew by start().
void reuse_store(jobrt::runtime_config& config, const options& opts,
                 std::shared_ptr<jobrt::job_store> memory);

/// What W1's throughput is measured against: CAF request/reply for the
/// memory store; raw SQLite (sqlite_reference.hpp) for the SQLite store;
/// raw libpq (postgres_reference.hpp) for the PostgreSQL store.
struct store_reference {
  reference_figures figures;
  std::string label;
  /// W1's processing rate must reach this share of the reference.
  double target_ratio = 0.6;
};

store_reference measure_store_reference(const options& opts);

/// Group commit's transactions so far, as table rows and JSON fields.
struct commit_figures {
  jobrt::store_stats stats;
  double turns_per_transaction = 0;
  double rows_per_transaction = 0;
};

commit_figures commit_figures_of(jobrt::runtime& rt);
void add_rows(figure_table& table, const commit_figures& c);
nlohmann::ordered_json commit_json(const commit_figures& c);

} // namespace bench
