// jobrt-demo: a shop's card payments on the jobrt runtime.
//
// 3,000 "charge" jobs arrive over about seven seconds and call a payment
// gateway (payment_gateway.hpp) that is healthy, goes down for 2.5 s, then
// recovers. During the outage the circuit breaker opens: charges wait as
// pending and spend no attempts, probes test the gateway every 500 ms, and
// the breaker closes once it answers again. One order in twenty has its
// card declined (a permanent error: dead at once), one in a hundred makes
// the gateway hang (every attempt times out; given up after the second),
// and five subscription renewals scheduled for later are cancelled. The
// story and its numbers live in charge_scenario.hpp.
//
// Jobs live in a SQLite file (jobrt-demo.db by default). Every order has a
// unique key, so running the demo again on the same file resumes: orders
// already there are not enqueued again, and the runtime finishes what an
// interrupted run left (attempts cut off by the crash count as abandoned).
//
// With --db postgresql://... they live in a PostgreSQL database, which
// several demo processes may share: by their unique keys each order is
// enqueued once, whichever process comes first, and each process runs what
// its runtime claims until every job in the database is finished.
// --nodes N starts N such processes and reports which ran what
// (node_group.hpp).
//
// SIGINT or SIGTERM stops a run gracefully (cli/shutdown_signal.hpp): no
// more orders are enqueued, running attempts get shutdown_grace to finish
// and the rest go back to pending, uncounted, so the next run resumes with
// nothing abandoned. It prints one line saying so and exits with 130
// (SIGINT) or 143 (SIGTERM); a second signal ends it at once.
//
// While it runs: a progress line and each breaker change as it happens.
// At the end: a summary, the first dead letters, and one JSON line. The
// exit code is 0 only when every job finished the way the story says.

#include "charge_scenario.hpp"
#include "demo_options.hpp"
#include "demo_report.hpp"
#include "event_tally.hpp"
#include "node_group.hpp"
#include "payment_gateway.hpp"
#include "progress_console.hpp"

#include "cli/decimal_arg.hpp"
#include "cli/shutdown_signal.hpp"

#include "jobrt/actors/runtime.hpp"
#include "jobrt/persistence/memory_store.hpp"
#include "jobrt/persistence/owner_name.hpp"

#include <cstdlib>
#include <set>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace jobrt;
using namespace jobrt::demo;
using steady = std::chrono::steady_clock;

/// Past this, the demo gives up waiting for the jobs to finish.
constexpr auto run_limit = std::chrono::seconds(30);
constexpr auto sample_every = std::chrono::milliseconds(100);
/// Without a terminal, a status line every second is enough for a log.
constexpr auto print_every_to_log = std::chrono::seconds(1);
constexpr duration shutdown_grace{1000};

/// The runtime's logger at warn: dead letters and breaker changes. One line
/// per dead letter would bury the progress line, hence a file by default.
std::shared_ptr<spdlog::logger> make_logger(const std::string& path) {
  spdlog::sink_ptr sink;
  try {
    if (path == "-")
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    else
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
  } catch (const spdlog::spdlog_ex& e) {
    std::fprintf(stderr, "jobrt-demo: cannot log to %s: %s\n", path.c_str(),
                 e.what());
    return nullptr;
  }
  auto log = std::make_shared<spdlog::logger>("jobrt", std::move(sink));
  log->set_level(spdlog::level::warn);
  log->flush_on(spdlog::level::warn);
  // The circuit breaker and timer actors log through spdlog's registry
  // ("jobrt"), not runtime_config::logger: without this their warnings
  // would land on stdout, in the middle of the progress line.
  spdlog::register_logger(log);
  return log;
}

/// The shop's checkout: enqueues the orders batch by batch as their arrival
/// time comes (one round trip per batch). Renewals are scheduled an hour
/// ahead; their customers cancel them once every order is in.
class order_feed {
public:
  /// Orders an earlier run already enqueued are not enqueued again.
  void skip(std::set<int> known) { known_ = std::move(known); }
  /// One of `count` processes on a shared database enqueues every
  /// count-th order from `index`. A unique key is unique among live jobs
  /// only: a sibling enqueueing an order that already completed would
  /// charge it twice.
  void share(std::size_t index, std::size_t count) {
    share_index_ = static_cast<int>(index);
    share_count_ = static_cast<int>(count);
  }

  void arrive(runtime& rt, steady::duration elapsed) {
    while (!done() && elapsed >= next_order_ / batch_size * batch_gap)
      enqueue_batch(rt);
  }

  bool done() const { return next_order_ >= order_count; }
  int arrived() const { return next_order_; }

  void add_renewals(const std::vector<job_id>& ids) {
    renewals_.insert(renewals_.end(), ids.begin(), ids.end());
  }

  void cancel_renewals(runtime& rt, progress_console& console) {
    int cancelled = 0;
    for (auto id : renewals_) {
      auto reply = rt.cancel(id);
      if (!reply && !cancelled_by_another(rt, id))
        problems_.push_back("cancel of job " + std::to_string(id) +
                            " refused: " + describe(reply.error()));
      else if (!reply || reply.value().state == job_state::cancelled)
        ++cancelled;
    }
    console.note("cancelled " + std::to_string(cancelled) +
                 " subscription renewals scheduled for the next hour");
    renewals_.clear();
  }

  const std::vector<std::string>& problems() const { return problems_; }

private:
  void enqueue_batch(runtime& rt) {
    job_specs batch;
    std::vector<int> orders;
    auto first = next_order_;
    for (; next_order_ < order_count && next_order_ - first < batch_size;
         ++next_order_) {
      if (known_.count(next_order_) != 0 ||
          next_order_ % share_count_ != share_index_)
        continue;
      batch.push_back(spec_of(next_order_));
      orders.push_back(next_order_);
    }
    if (batch.empty())
      return;
    auto results = rt.enqueue(std::move(batch));
    for (std::size_t i = 0; i < results.size(); ++i) {
      auto order = orders[i];
      if (!results[i])
        problems_.push_back("order " + std::to_string(order) + " refused: " +
                            describe(results[i].error()));
      else if (kind_of(order) == order_kind::renewal)
        renewals_.push_back(results[i].value().id);
    }
  }

  /// On a database several demo processes share, each cancels every
  /// renewal, and all but the first find it cancelled already.
  static bool cancelled_by_another(runtime& rt, job_id id) {
    auto now = rt.get(id);
    return now && now.value().state == job_state::cancelled;
  }

  static job_spec spec_of(int order) {
    job_spec spec;
    spec.type = std::string(charge_type);
    spec.payload = charge_payload(order);
    spec.unique_key = "order-" + std::to_string(order);
    if (kind_of(order) == order_kind::renewal)
      spec.run_at = wall_clock_now() + std::chrono::hours(1);
    return spec;
  }

  int next_order_ = 0;
  std::set<int> known_;
  int share_index_ = 0;
  int share_count_ = 1;
  std::vector<job_id> renewals_;
  std::vector<std::string> problems_;
};

breaker_state charge_breaker_state(const runtime_stats& s) {
  const auto* b = charge_breaker_status(s);
  return b != nullptr ? b->state : breaker_state::closed;
}

std::string status_line(double t, int arrived, const runtime_stats& s) {
  auto n = [&s](job_state state) {
    return static_cast<unsigned long long>(s.count(state));
  };
  char line[256];
  std::snprintf(line, sizeof line,
                "t=%5.2fs arrived %4d/%d | pending %4llu scheduled %llu "
                "processing %2llu retrying %3llu | completed %4llu dead %3llu "
                "cancelled %llu | breaker %s",
                t, arrived, order_count, n(job_state::pending),
                n(job_state::scheduled), n(job_state::processing),
                n(job_state::retrying), n(job_state::completed),
                n(job_state::dead), n(job_state::cancelled),
                std::string(to_string(charge_breaker_state(s))).c_str());
  return line;
}

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

/// Feeds the orders and samples the runtime until every job has finished,
/// run_limit passes or `interrupt` arrives; fills in the report's stats and
/// peak. No order is enqueued once `interrupt` has arrived.
void run_until_finished(runtime& rt, order_feed& feed,
                        progress_console& console, steady::time_point start,
                        const cli::shutdown_signal& interrupt,
                        run_report& report) {
  auto next_print = steady::time_point{};
  bool renewals_cancelled = false;
  while (steady::now() - start < run_limit && !interrupt.requested()) {
    feed.arrive(rt, steady::now() - start);
    if (feed.done() && !std::exchange(renewals_cancelled, true))
      feed.cancel_renewals(rt, console);
    auto stats = rt.stats();
    if (!stats) {
      console.note("stats refused: " + describe(stats.error()));
      return;
    }
    report.stats = std::move(stats).value();
    if (charge_breaker_state(report.stats) == breaker_state::open)
      report.peak_waiting_while_open =
          std::max(report.peak_waiting_while_open,
                   report.stats.count(job_state::pending));
    bool finished = feed.done() && unfinished(report.stats) == 0;
    if (console.terminal() || finished || steady::now() >= next_print) {
      console.status(status_line(seconds_since(start), feed.arrived(),
                                 report.stats));
      next_print = steady::now() + print_every_to_log;
    }
    if (finished)
      return;
    interrupt.wait_for(sample_every);
  }
}

/// After SIGINT or SIGTERM: running attempts get shutdown_grace to finish,
/// the rest go back to pending for the next run. Returns the exit code.
int stop_interrupted(runtime& rt, const order_feed& feed, bool durable,
                     const cli::shutdown_signal& interrupt) {
  auto by = std::string(interrupt.signal_name());
  auto shut = rt.shutdown(shutdown_grace);
  if (!shut) {
    std::fprintf(stderr, "jobrt-demo: interrupted by %s; the shutdown failed: "
                 "%s\n", by.c_str(), describe(shut.error()).c_str());
    return 1;
  }
  std::fprintf(stderr,
               "jobrt-demo: interrupted by %s after %d of %d orders arrived; "
               "%llu running attempts finished, %llu went back to pending%s\n",
               by.c_str(), feed.arrived(), order_count,
               static_cast<unsigned long long>(shut.value().finished_in_grace),
               static_cast<unsigned long long>(shut.value().released),
               durable ? "; run again on the same --db to resume" : "");
  return interrupt.exit_code();
}

/// The subscriber's thread may still be a few batches behind the stats:
/// wait (briefly) until it has seen every attempt and every finished job.
void await_events(const event_tally& tally, const runtime_stats& s) {
  auto finished = s.count(job_state::completed) + s.count(job_state::dead) +
                  s.count(job_state::cancelled);
  for (int i = 0; i < 200; ++i) {
    auto seen = tally.counts();
    if (seen.attempts >= s.outcomes.attempts_started &&
        seen.finished >= finished)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<job> first_dead_letters(runtime& rt) {
  job_query query;
  query.state = job_state::dead;
  query.limit = 5;
  auto page = rt.list(query);
  return page ? std::move(page).value().jobs : std::vector<job>{};
}

bool register_charge(runtime& rt, std::shared_ptr<const payment_gateway> gw) {
  job_type_options options;
  options.retry = charge_retry();
  options.timeout = attempt_timeout;
  options.breaker = charge_breaker();
  // No concurrency limit is needed to protect the attempt deadline: it
  // counts from the start of the handler, and the pool is handed only what
  // its threads can start soon.
  auto added = rt.handle(std::string(charge_type),
                         charge_handler(std::move(gw)), std::move(options));
  if (!added)
    std::fprintf(stderr, "jobrt-demo: %s\n", added.error().message().c_str());
  return static_cast<bool>(added);
}

/// The orders a previous run left in the database, by their unique keys;
/// renewals among them that still wait are cancelled again by the feed.
std::set<int> known_orders(runtime& rt, std::vector<job_id>& live_renewals) {
  std::set<int> known;
  job_query query;
  query.limit = max_page_size;
  for (;;) {
    auto page = rt.list(query);
    if (!page)
      return known;
    for (const auto& j : page.value().jobs) {
      auto order = order_of(j.payload);
      known.insert(order);
      if (kind_of(order) == order_kind::renewal && !is_terminal(j.state))
        live_renewals.push_back(j.id);
    }
    if (!page.value().next_after)
      return known;
    query.after = *page.value().next_after;
  }
}

runtime_config demo_config(const demo_options& options,
                           std::shared_ptr<spdlog::logger> log) {
  runtime_config config;
  config.worker_threads = static_cast<std::size_t>(gateway_connections);
  if (options.memory)
    config.store = std::make_shared<memory_store>();
  else
    config.database = options.db_path;
  config.postgres.schema = options.schema;
  config.logger = std::move(log);
  config.jitter_seed = 2026; // no jitter configured; keeps it reproducible
  return config;
}

/// The arguments of the processes of --nodes: this one's; node_group adds
/// --node-index, which tells a child from the parent.
std::vector<std::string> node_arguments(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

/// The store, for people (a URI may hold a password: it is never printed).
std::string store_label(const demo_options& options) {
  if (options.memory)
    return "memory";
  if (options.on_postgres())
    return "postgresql " + options.schema;
  return "sqlite " + options.db_path;
}

} // namespace

int main(int argc, char** argv) {
  // First, before any thread exists: every thread inherits its mask.
  cli::shutdown_signal interrupt;
  auto options = parse_options(argc, argv);
  if (!options)
    return 2;
  if (options->nodes && !options->node_index)
    return run_node_group(*options->nodes, node_arguments(argc, argv),
                          store_label(*options), interrupt);
  if (options->node_index && options->log_path != "-")
    options->log_path += ".node" + std::to_string(*options->node_index);
  auto log = make_logger(options->log_path);
  if (!log)
    return 2;
  auto start = steady::now();
  progress_console console;
  event_tally tally{console, wall_clock_now()};
  order_feed feed;
  run_report report;
  if (options->crash_after)
    std::thread([after = *options->crash_after] {
      std::this_thread::sleep_for(after);
      std::fprintf(stderr, "jobrt-demo: crashing on purpose (--crash-after)\n");
      std::_Exit(3);
    }).detach();
  report.store = store_label(*options);
  auto config = demo_config(*options, log);
  if (options->on_postgres()) {
    // Named here, not by the store, so that the report can say which node
    // this process is.
    report.node = make_owner_name();
    config.postgres.node = report.node;
  }
  runtime rt{std::move(config)};
  if (!register_charge(rt, std::make_shared<payment_gateway>(start)))
    return 2;
  if (auto started = rt.start(); !started) {
    std::fprintf(stderr, "jobrt-demo: %s\n", describe(started.error()).c_str());
    return 2;
  }
  (void) rt.subscribe([&tally](const event_batch& batch) { tally.record(batch); });
  std::vector<job_id> live_renewals;
  // One of --nodes' processes does not resume: its siblings' orders are in
  // the database from their first batch on, and it enqueues only its share.
  auto known = options->node_index ? std::set<int>{}
                                   : known_orders(rt, live_renewals);
  report.resumed_orders = known.size();
  feed.skip(std::move(known));
  if (options->node_index)
    feed.share(*options->node_index, *options->nodes);
  feed.add_renewals(live_renewals);
  if (report.resumed_orders > 0)
    std::printf("Resuming: %llu orders are already in %s.\n",
                static_cast<unsigned long long>(report.resumed_orders),
                options->on_postgres() ? report.store.c_str()
                                       : options->db_path.c_str());
  std::printf("Charging %d orders; the gateway is down from t=%.1fs to "
              "t=%.1fs. Runtime warnings go to %s.\n",
              order_count, std::chrono::duration<double>(outage_begin).count(),
              std::chrono::duration<double>(outage_end).count(),
              options->log_path == "-" ? "stderr" : options->log_path.c_str());
  run_until_finished(rt, feed, console, start, interrupt, report);
  console.end_status();
  if (interrupt.requested())
    return stop_interrupted(rt, feed, !options->memory, interrupt);
  await_events(tally, report.stats);
  report.events = tally.counts();
  report.dead_letters = first_dead_letters(rt);
  if (auto shut = rt.shutdown(shutdown_grace))
    report.released_at_shutdown = shut.value().released;
  report.elapsed_s = seconds_since(start);
  auto problems = shape_problems(report);
  problems.insert(problems.end(), feed.problems().begin(),
                  feed.problems().end());
  print_summary(report, problems);
  std::fflush(stdout);
  if (!problems.empty())
    std::fprintf(stderr, "jobrt-demo: the run did not go as expected\n");
  std::printf("%s\n", json_line(report, problems.empty()).c_str());
  std::fflush(stdout);
  return problems.empty() ? 0 : 1;
}
