#include "node_group.hpp"

#include "node_processes.hpp"
#include "percentiles.hpp"
#include "postgres_schemas.hpp"
#include "report.hpp"
#include "runtime_driver.hpp"
#include "store_figures.hpp"
#include "w1_noop.hpp"
#include "w2_retry_storm.hpp"

#include "jobrt/persistence/postgres_store.hpp"

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace bench {

namespace {

constexpr auto ready_limit = std::chrono::seconds(60);
constexpr auto run_limit = std::chrono::seconds(600);
constexpr auto stop_limit = std::chrono::seconds(30);

struct pg_closer {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using pg_conn_ptr = std::unique_ptr<PGconn, pg_closer>;

/// Counts of one SQL statement, its columns in order.
jobrt::result<std::vector<std::uint64_t>, std::string>
counts_of(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  std::vector<std::uint64_t> out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
    for (int col = 0; col < PQnfields(r); ++col)
      out.push_back(std::strtoull(PQgetvalue(r, 0, col), nullptr, 10));
  PQclear(r);
  if (out.empty())
    return "counting jobs: " + std::string(PQerrorMessage(c));
  return out;
}

/// The jobs not finished yet. Each state's partial index answers it, and
/// the fewer remain the cheaper it gets: the poll costs the nodes' server
/// little, and least near the end, where it polls most often.
jobrt::result<std::uint64_t, std::string> live_jobs(PGconn* c,
                                                    const std::string& s) {
  BOOST_OUTCOME_TRY(n, counts_of(c, "SELECT (SELECT count(*) FROM " + s +
                                        ".jobs WHERE state = 'pending') + "
                                        "(SELECT count(*) FROM " + s +
                                        ".jobs WHERE state IN ('scheduled', "
                                        "'retrying')) + (SELECT count(*) FROM " +
                                        s + ".jobs WHERE state = 'processing')"));
  return n[0];
}

struct db_counts {
  std::uint64_t finished = 0;
  std::uint64_t completed = 0;
  std::uint64_t completed_second = 0; ///< completed at attempt 2
};

jobrt::result<db_counts, std::string> final_counts(PGconn* c,
                                                   const std::string& s) {
  BOOST_OUTCOME_TRY(n, counts_of(c, "SELECT count(*) FILTER (WHERE state IN "
                                    "('completed','dead','cancelled')), "
                                    "count(*) FILTER (WHERE state = 'completed'), "
                                    "count(*) FILTER (WHERE state = 'completed' "
                                    "AND attempt = 2) FROM " + s + ".jobs"));
  return db_counts{n[0], n[1], n[2]};
}

/// One node's report line (node_child.cpp), as it sent it.
struct node_report {
  nlohmann::json line;
  int exit_code = -1;
  std::uint64_t count(const char* field) const {
    return line.is_object() && line.contains(field) &&
                   line[field].is_number_unsigned()
               ? line[field].get<std::uint64_t>()
               : 0;
  }
};

struct group_run {
  double seconds = 0;
  double jobs_per_s = 0;
  db_counts db;
  std::uint64_t enqueued = 0;
  std::vector<node_report> nodes;
  std::string stopped; ///< why it could not go on; empty if it did
};

/// The nodes' schema, fresh: migrated here, so that no node's start waits
/// for another's migration.
jobrt::result<void, std::string> fresh_schema(const options& opts,
                                              const std::string& schema) {
  (void) drop_postgres_schema(opts.db, schema);
  jobrt::postgres_options o;
  o.schema = schema;
  o.role = jobrt::postgres_options::role_type::tool;
  auto store = jobrt::postgres_store::open(opts.db, o);
  if (!store)
    return store.error().message;
  return jobrt::outcome::success();
}

class group {
public:
  group(const options& opts, const std::vector<std::string>& args,
        const jobrt::cli::shutdown_signal& interrupt)
    : interrupt_(interrupt) {
    run_.nodes.resize(opts.nodes);
    for (std::size_t i = 0; i < opts.nodes; ++i) {
      auto a = args;
      a.insert(a.end(), {"--node-child", std::to_string(i), "--node-schema",
                         run_schema()});
      auto p = node_process::spawn(a);
      if (!p) {
        stopped_ = "cannot start node " + std::to_string(i);
        return;
      }
      children_.push_back(std::move(*p));
    }
  }

  /// Until every node said `ready`.
  bool await_ready() {
    auto give_up = steady::now() + ready_limit;
    while (stopped_.empty() && ready_ < children_.size()) {
      if (pumped(100) < children_.size())
        stopped_ = "a node ended before it was ready";
      else if (interrupt_.requested())
        stopped_ = "interrupted";
      else if (steady::now() > give_up)
        stopped_ = "the nodes were not ready within " +
                   std::to_string(ready_limit.count()) + " s";
    }
    return stopped_.empty();
  }

  /// Tells every node to go; returns when the database holds `jobs`
  /// finished jobs, when it is clear they will not come, or at a signal.
  void run(PGconn* db, std::size_t jobs) {
    auto start = steady::now();
    for (auto& c : children_)
      c.say("go");
    auto last_progress = start;
    std::uint64_t last_live = UINT64_MAX;
    int wait_ms = 100;
    while (stopped_.empty()) {
      if (pumped(wait_ms) < children_.size()) {
        stopped_ = "a node ended before the jobs were finished";
        break;
      }
      if (interrupt_.requested()) {
        stopped_ = "interrupted";
        break;
      }
      auto asked = steady::now();
      if (enqueued_ < children_.size()) {
        last_progress = asked; // enqueueing is progress too
        check_limits(asked, start, last_progress);
        continue; // jobs still come in: none can be done
      }
      auto live = live_jobs(db, run_schema());
      if (!live) {
        stopped_ = live.error();
        break;
      }
      if (live.value() == 0) {
        run_.seconds = seconds_between(start, asked);
        break;
      }
      if (live.value() != last_live)
        last_progress = asked;
      last_live = live.value();
      check_limits(asked, start, last_progress);
      // A quarter of the time still to go at the rate so far: few polls
      // while most remains, and the end is seen within a few ms.
      auto done = static_cast<double>(jobs) - static_cast<double>(live.value());
      auto elapsed = seconds_between(start, asked);
      auto left_s = done > 0 ? static_cast<double>(live.value()) * elapsed / done
                             : 1.0;
      wait_ms = std::clamp(static_cast<int>(left_s * 250.0), 2, 1000);
    }
    run_.jobs_per_s = per_second(jobs, run_.seconds);
  }

  /// Ends every node's stdin and collects its report.
  group_run finish() {
    for (auto& c : children_)
      c.close_input();
    auto give_up = steady::now() + stop_limit;
    while (pumped(100) > 0 && steady::now() < give_up) {
    }
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (children_[i].open()) // it did not stop within stop_limit
        children_[i].signal(SIGKILL);
      run_.nodes[i].exit_code = children_[i].wait();
    }
    run_.stopped = stopped_;
    return std::move(run_);
  }

  void pass_on(int signal) {
    for (auto& c : children_)
      c.signal(signal);
  }

private:
  std::size_t pumped(int timeout_ms) {
    return pump(children_, timeout_ms, [this](std::size_t i, std::string_view line) {
      if (line == "ready") {
        ++ready_;
      } else if (line.starts_with("enqueued ")) {
        ++enqueued_;
        run_.enqueued += std::strtoull(std::string(line.substr(9)).c_str(),
                                       nullptr, 10);
      } else if (line.starts_with("{")) {
        run_.nodes[i].line = nlohmann::json::parse(line, nullptr, false);
      } else {
        std::printf("[node %zu] %.*s\n", i, static_cast<int>(line.size()),
                    line.data());
      }
    });
  }

  void check_limits(steady::time_point now, steady::time_point start,
                    steady::time_point last_progress) {
    if (now - last_progress > stall_limit)
      stopped_ = "no job finished for " + std::to_string(stall_limit.count()) +
                 " s";
    else if (now - start > run_limit)
      stopped_ = "not done after " + std::to_string(run_limit.count()) + " s";
  }

  const jobrt::cli::shutdown_signal& interrupt_;
  std::vector<node_process> children_;
  std::size_t ready_ = 0;
  std::size_t enqueued_ = 0;
  group_run run_;
  std::string stopped_;
};

/// One run of `jobs` jobs on opts.nodes fresh node processes.
group_run run_once(const options& opts, const std::vector<std::string>& args,
                   std::size_t jobs,
                   const jobrt::cli::shutdown_signal& interrupt) {
  group_run failed;
  postgres_schema_dropper dropper{opts.db, run_schema()};
  if (auto made = fresh_schema(opts, run_schema()); !made) {
    failed.stopped = made.error();
    return failed;
  }
  pg_conn_ptr db{PQconnectdb(opts.db.c_str())};
  if (PQstatus(db.get()) != CONNECTION_OK) {
    failed.stopped = "cannot connect: " + std::string(PQerrorMessage(db.get()));
    return failed;
  }
  group nodes{opts, args, interrupt};
  if (nodes.await_ready())
    nodes.run(db.get(), jobs);
  if (interrupt.requested())
    nodes.pass_on(interrupt.signal_number());
  auto run = nodes.finish();
  if (run.stopped.empty()) {
    auto counts = final_counts(db.get(), run_schema());
    if (counts)
      run.db = counts.value();
    else
      run.stopped = counts.error();
  }
  return run;
}

std::uint64_t sum(const group_run& run, const char* field) {
  std::uint64_t n = 0;
  for (const auto& node : run.nodes)
    n += node.count(field);
  return n;
}

/// Whether the run holds: every job enqueued and completed, by the
/// database, each run to success exactly once by the nodes' counts, every
/// node ended well; for W2 the retries as fails_first_attempt makes them.
bool holds(const group_run& run, workload w, std::size_t jobs) {
  bool ok = run.stopped.empty() && run.enqueued == jobs &&
            run.db.finished == jobs && run.db.completed == jobs &&
            sum(run, "succeeded") == jobs && sum(run, "unexpected") == 0;
  for (const auto& node : run.nodes)
    ok = ok && node.exit_code == 0 && node.line.is_object();
  if (w == workload::w2) {
    auto second = (jobs + 2) / 3;
    ok = ok && run.db.completed_second == second &&
         sum(run, "failed_first") == second &&
         sum(run, "succeeded_second") == second;
  }
  return ok;
}

nlohmann::ordered_json per_node_json(const group_run& run) {
  auto out = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < run.nodes.size(); ++i) {
    const auto& n = run.nodes[i];
    auto node = n.line.is_object() && n.line.contains("node")
                    ? n.line["node"]
                    : nlohmann::json("?");
    nlohmann::ordered_json row{
        {"index", i},
        {"node", node},
        {"enqueued", n.count("enqueued")},
        {"ran", n.count("runs")},
        {"succeeded", n.count("succeeded")},
        {"ran_per_s", per_second(n.count("runs"), run.seconds)},
        {"exit", n.exit_code}};
    if (n.line.is_object() && n.line.contains("group_commit"))
      row["group_commit"] = n.line["group_commit"];
    out.push_back(std::move(row));
  }
  return out;
}

void add_node_rows(figure_table& table, const group_run& run) {
  for (std::size_t i = 0; i < run.nodes.size(); ++i) {
    const auto& n = run.nodes[i];
    std::string note = "enqueued " + with_separators(static_cast<double>(
                                         n.count("enqueued")));
    if (n.line.is_object() && n.line.contains("group_commit")) {
      const auto& g = n.line["group_commit"];
      note += ", " + with_separators(g.value("transactions", 0.0)) +
              " transactions, " + fixed(g.value("rows_per_transaction", 0.0), 1) +
              " rows each";
    }
    table.add("node " + std::to_string(i) + " ran",
              with_separators(static_cast<double>(n.count("runs"))) + " (" +
                  with_separators(per_second(n.count("runs"), run.seconds)) +
                  " per s)",
              note);
  }
}

std::string title(const options& opts, const char* what, std::size_t jobs) {
  return std::string(what) + ": " + with_separators(static_cast<double>(jobs)) +
         " jobs on " + std::to_string(opts.nodes) +
         " node processes, postgresql store, each worker_threads 2, "
         "max_in_flight " + std::to_string(opts.max_in_flight) + ", " +
         std::to_string(opts.scheduler_threads) + " CAF scheduler threads";
}

bool report_w1(const options& opts, std::size_t jobs,
               const store_reference& ref, const group_run& run) {
  bool ok = holds(run, workload::w1, jobs);
  auto ratio = ref.figures.replies_per_s > 0
                   ? run.jobs_per_s / ref.figures.replies_per_s
                   : 0.0;
  figure_table table(title(opts, "W1 noop", jobs));
  std::string runs;
  for (auto r : ref.figures.runs_per_s)
    runs += (runs.empty() ? "" : ", ") + with_separators(r);
  table.add(ref.label + ", median of " +
                std::to_string(ref.figures.runs_per_s.size()),
            with_separators(ref.figures.replies_per_s) + " per s",
            "(runs " + runs + ")");
  table.add("processing rate (first enqueue to all finished, by SQL)",
            with_separators(run.jobs_per_s) + " jobs/s",
            with_separators(run.jobs_per_s / static_cast<double>(opts.nodes)) +
                " per node");
  table.add("ratio to reference", fixed(ratio, 3),
            "one node: target >= " + fixed(ref.target_ratio, 1));
  add_set_reference_rows(table, ref, run.jobs_per_s);
  add_node_rows(table, run);
  table.add("all jobs completed, each once", ok ? "OK" : "FAIL");
  table.print();
  nlohmann::ordered_json row{
      {"workload", "w1"},
      {"store", opts.store},
      {"nodes", opts.nodes},
      {"processes", true},
      {"jobs", jobs},
      {"seconds", run.seconds},
      {"jobs_per_s", run.jobs_per_s},
      {"jobs_per_s_per_node", run.jobs_per_s / static_cast<double>(opts.nodes)},
      {"reference_per_s", ref.figures.replies_per_s},
      {"reference_runs_per_s", ref.figures.runs_per_s},
      {"ratio", ratio}};
  add_reference_json(row, ref, run.jobs_per_s);
  row.update(nlohmann::ordered_json{{"max_in_flight", opts.max_in_flight},
                                    {"per_node", per_node_json(run)},
                                    {"ok", ok}});
  emit_json(row);
  return ok;
}

bool report_w2(const options& opts, std::size_t jobs,
               const std::vector<group_run>& runs) {
  bool ok = true;
  std::vector<double> rates;
  for (const auto& r : runs) {
    ok = ok && holds(r, workload::w2, jobs);
    rates.push_back(r.jobs_per_s);
  }
  auto rate = median(rates);
  const auto& last = runs.back();
  figure_table table(title(opts, "W2 retry storm", jobs));
  table.add("processing rate (first enqueue to all finished, by SQL), "
            "median of " + std::to_string(runs.size()),
            with_separators(rate) + " jobs/s",
            with_separators(rate / static_cast<double>(opts.nodes)) +
                " per node");
  auto expected = with_separators(static_cast<double>((jobs + 2) / 3));
  table.add("completed at their second attempt (SQL, last run)",
            with_separators(static_cast<double>(last.db.completed_second)),
            "expected " + expected);
  add_node_rows(table, last);
  table.add("check", ok ? "OK" : "FAIL");
  table.print();
  emit_json({{"workload", "w2"},
             {"store", opts.store},
             {"nodes", opts.nodes},
             {"processes", true},
             {"jobs", jobs},
             {"jobs_per_s", rate},
             {"jobs_per_s_per_node", rate / static_cast<double>(opts.nodes)},
             {"runs_per_s", rates},
             {"second_attempts", last.db.completed_second},
             {"expected_second_attempts", (jobs + 2) / 3},
             {"per_node", per_node_json(last)},
             {"ok", ok}});
  return ok;
}

} // namespace

int run_node_group(const options& opts, const std::vector<std::string>& args,
                   const jobrt::cli::shutdown_signal& interrupt) {
  // A node that died must not take this process with it on a write.
  std::signal(SIGPIPE, SIG_IGN);
  bool ok = true;
  for (auto w : opts.workloads) {
    auto jobs = opts.jobs.value_or(w == workload::w1 ? w1_default_jobs
                                                     : w2_default_jobs);
    store_reference ref;
    if (w == workload::w1)
      ref = measure_store_reference(opts);
    std::vector<group_run> runs;
    auto repeat = w == workload::w1 ? 1 : std::max<std::size_t>(opts.repeat, 1);
    for (std::size_t i = 0; i < repeat && !interrupt.requested(); ++i) {
      runs.push_back(run_once(opts, args, jobs, interrupt));
      if (!runs.back().stopped.empty()) {
        if (!interrupt.requested())
          std::fprintf(stderr, "%s on %zu nodes: stopped: %s\n",
                       w == workload::w1 ? "W1" : "W2", opts.nodes,
                       runs.back().stopped.c_str());
        break;
      }
    }
    if (interrupt.requested())
      return interrupt.exit_code();
    if (!runs.back().stopped.empty())
      return 1;
    ok = (w == workload::w1 ? report_w1(opts, jobs, ref, runs.back())
                            : report_w2(opts, jobs, runs)) &&
         ok;
  }
  return ok ? 0 : 1;
}

} // namespace bench
