#pragma once

// The store side of W1, W2 and W5: which store a runtime uses (--store),
// the reference its throughput is compared with, and what group commit did.

#include "options.hpp"
#include "reference.hpp"
#include "report.hpp"

#include "jobrt/actors/runtime.hpp"

#include <nlohmann/json.hpp>

#include <optional>
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
  /// PostgreSQL: `figures` is the per-row reference, the one the target
  /// is judged against; this the stronger set-based one beside it
  /// (postgres_reference.hpp).
  std::optional<reference_figures> set_based;
  std::string set_label;
};

store_reference measure_store_reference(const options& opts);

/// The set-based reference's rows and W1's ratio to it, if there is one.
void add_set_reference_rows(figure_table& table, const store_reference& ref,
                            double jobs_per_s);
/// The JSON fields naming both PostgreSQL references and the ratios to
/// each (reference_per_row_per_s, reference_set_per_s, ratio_to_per_row,
/// ratio_to_set); nothing for the other stores.
void add_reference_json(nlohmann::ordered_json& row, const store_reference& ref,
                        double jobs_per_s);

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
