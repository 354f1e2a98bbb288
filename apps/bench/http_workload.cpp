#include "http_workload.hpp"

#include "database_files.hpp"
#include "http_daemon.hpp"
#include "http_list_store.hpp"
#include "http_load.hpp"
#include "http_requests.hpp"
#include "percentiles.hpp"
#include "report.hpp"
#include "w1_noop.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace bench {

namespace {

using namespace std::chrono_literals;

constexpr const char* job_type = "bench";
constexpr std::size_t batch_specs = 100;
constexpr std::size_t list_requests = 1000;
constexpr std::size_t page_limit = 50;
constexpr double one_per_healthz_target = 0.5;
constexpr double batch_per_w1_target = 0.8;
constexpr double list_p99_target_ms = 50;

/// The run's files, all beside --db.
struct run_files {
  explicit run_files(const std::string& base)
    : db(base), config(base + ".toml"), log(base + ".jobrtd.log"),
      list_db(base + ".list"), w1_db(base + ".w1") {}
  std::string db, config, log, list_db, w1_db;

  void remove(bool keep_log) const {
    for (const auto& d : {db, list_db, w1_db})
      remove_database(d);
    std::error_code ec;
    std::filesystem::remove(config, ec);
    if (!keep_log)
      std::filesystem::remove(log, ec);
  }
};

/// A request thread per connection and two to spare; no tokens (so
/// loopback only); the `bench` type and its plug (see the header). The
/// plug's shell ends within a second of jobrtd, however jobrtd ends; a
/// short grace, since the plug would use all of it.
std::string daemon_config(std::size_t connections) {
  return "log_level = \"warn\"\n"
         "shutdown_grace = \"100ms\"\n"
         "\n[server]\n"
         "threads = " + std::to_string(connections + 2) + "\n"
         "max_event_streams = 1\n"
         "\n[types.bench]\n"
         "handler = \"exec\"\n"
         "timeout = \"24h\"\n"
         "concurrency = 1\n"
         "\n[types.bench.exec]\n"
         "command = [\"sh\", \"-c\", "
         "\"while kill -0 $PPID 2>/dev/null; do sleep 1; done\"]\n"
         "kill_grace = \"1s\"\n";
}

httplib::Client client_of(const daemon_process& d) {
  httplib::Client c("127.0.0.1", d.port());
  c.set_read_timeout(30, 0);
  return c;
}

/// GET `path` as JSON, or why not. (JSON converts from a string: the
/// failure is spelled out.)
jobrt::result<nlohmann::json, std::string> get_json(const daemon_process& d,
                                                    const std::string& path) {
  using jobrt::outcome::failure;
  auto c = client_of(d);
  auto res = c.Get(path.c_str());
  if (!res)
    return failure("GET " + path + ": " + httplib::to_string(res.error()));
  if (res->status != 200)
    return failure("GET " + path + ": " + std::to_string(res->status) + " " +
                   res->body);
  auto doc = nlohmann::json::parse(res->body, nullptr, false);
  if (doc.is_discarded())
    return failure("GET " + path + ": not JSON: " + res->body);
  return jobrt::outcome::success(std::move(doc));
}

/// Enqueues the plug and waits until it holds the type's slot; why not.
std::string plug(const daemon_process& d) {
  auto c = client_of(d);
  auto res = c.Post("/jobs", spec_body(job_type), "application/json");
  if (!res || res->status != 201)
    return "the plug was not enqueued: " +
           (res ? std::to_string(res->status) + " " + res->body
                : httplib::to_string(res.error()));
  auto id = nlohmann::json::parse(res->body, nullptr, false)
                .value("id", std::int64_t{0});
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto job = get_json(d, "/jobs/" + std::to_string(id));
    if (!job)
      return job.error();
    if (job.value().value("state", "") == "processing")
      return {};
    std::this_thread::sleep_for(10ms);
  }
  return "the plug (job " + std::to_string(id) + ") did not start within 10 s";
}

struct enqueue_run {
  load_figures healthz, one, batch;
  std::size_t batch_jobs = 0;
  std::uint64_t pending = 0; ///< in the store at the end
};

/// The list run's latencies: on one connection, a page's own; on C, also
/// its wait behind the others (the store's reader answers one read at a
/// time, and the CPU is shared).
struct list_run {
  list_store store;
  load_figures pages, concurrent_pages;
  latency_summary latency, concurrent;
};

/// Runs `plan` of `request`s; why it stopped, if it did.
std::string measure(const daemon_process& d, const load_plan& plan,
                    const std::function<http_request(std::size_t)>& request,
                    load_figures& into,
                    const jobrt::cli::shutdown_signal& interrupt) {
  into = run_load(d.port(), plan, request, interrupt);
  return into.stopped;
}

/// Phases (a) to (c) on a fresh daemon; why they stopped, if they did.
std::string run_enqueues(const options& opts, const run_files& files,
                         const std::string& binary, std::size_t jobs,
                         enqueue_run& run,
                         const jobrt::cli::shutdown_signal& interrupt) {
  remove_database(files.db);
  auto started = daemon_process::start(binary, files.config, files.db, files.log);
  if (!started)
    return started.error();
  auto& d = *started.value();
  if (auto why = plug(d); !why.empty())
    return why;
  load_plan plan{opts.connections, jobs, false};
  if (auto why = measure(d, plan, [](std::size_t) { return healthz_request(); },
                         run.healthz, interrupt);
      !why.empty())
    return why;
  auto one = spec_body(job_type);
  if (auto why = measure(
          d, plan, [&](std::size_t) { return enqueue_one_request(one); },
          run.one, interrupt);
      !why.empty())
    return why;
  auto arrays = std::max<std::size_t>(1, jobs / batch_specs);
  run.batch_jobs = arrays * batch_specs;
  auto array = spec_array_body(job_type, batch_specs);
  if (auto why = measure(
          d, {opts.connections, arrays, false},
          [&](std::size_t) { return enqueue_batch_request(array, batch_specs); },
          run.batch, interrupt);
      !why.empty())
    return why;
  auto stats = get_json(d, "/stats");
  if (!stats)
    return stats.error();
  run.pending = stats.value()["jobs"].value("pending", std::uint64_t{0});
  return d.stop();
}

/// Phase (e) on a new daemon over a filled store; why it stopped, if it did.
std::string run_list(const options& opts, const run_files& files,
                     const std::string& binary, list_run& run,
                     const jobrt::cli::shutdown_signal& interrupt) {
  auto filled = fill_list_store(files.list_db, opts.stored_jobs);
  if (!filled)
    return filled.error();
  run.store = filled.value();
  if (interrupt.requested())
    return "interrupted";
  auto started =
      daemon_process::start(binary, files.config, files.list_db, files.log);
  if (!started)
    return started.error();
  auto& d = *started.value();
  auto last_id = run.store.last_id;
  auto seed = opts.seed;
  auto pager = [&](std::size_t i) {
    return dead_page_request(last_id, page_limit, seed + i, i == 0);
  };
  if (auto why = measure(d, {1, list_requests, true}, pager, run.pages,
                         interrupt);
      !why.empty())
    return why;
  run.latency = summarize_ns(run.pages.latencies_ns);
  if (auto why = measure(d, {opts.connections, list_requests, true}, pager,
                         run.concurrent_pages, interrupt);
      !why.empty())
    return why;
  run.concurrent = summarize_ns(run.concurrent_pages.latencies_ns);
  return d.stop();
}

std::string verdict(bool met) { return met ? "met" : "MISSED"; }

void print_http(const options& opts, std::size_t jobs, const enqueue_run& e,
                double w1_per_s, const list_run& l, bool ok) {
  auto healthz = e.healthz.per_second();
  auto one = e.one.per_second();
  auto batch = static_cast<double>(e.batch_jobs) / e.batch.seconds;
  auto one_ratio = one / healthz;
  auto batch_ratio = w1_per_s > 0 ? batch / w1_per_s : 0;
  bool one_met = one_ratio >= one_per_healthz_target;
  bool batch_met = batch_ratio >= batch_per_w1_target;
  bool list_met = l.latency.p99_ms <= list_p99_target_ms;
  figure_table table("HTTP: jobrtd on SQLite, " +
                     std::to_string(opts.connections) +
                     " keep-alive connections, " +
                     with_separators(static_cast<double>(jobs)) +
                     " requests or jobs per run");
  table.add("reference: GET /healthz", with_separators(healthz) + " per s");
  table.add("POST /jobs, one job per request", with_separators(one) + " jobs/s");
  table.add("  ratio to GET /healthz", fixed(one_ratio, 3),
            "target >= " + fixed(one_per_healthz_target, 1) + ": " +
                verdict(one_met));
  table.add("POST /jobs, " + std::to_string(batch_specs) + " jobs per request",
            with_separators(batch) + " jobs/s");
  table.add("reference: W1 on SQLite (processing rate)",
            with_separators(w1_per_s) + " jobs/s");
  table.add("  ratio to W1", fixed(batch_ratio, 3),
            "target >= " + fixed(batch_per_w1_target, 1) + ": " +
                verdict(batch_met));
  table.add("jobs pending at the end (all but the plug)",
            with_separators(static_cast<double>(e.pending)),
            "expected " + with_separators(static_cast<double>(
                              jobs + e.batch_jobs)));
  auto list = "GET /jobs?state=dead&limit=" + std::to_string(page_limit) +
              " (" + with_separators(static_cast<double>(l.store.jobs)) +
              " jobs, " + with_separators(static_cast<double>(l.store.dead)) +
              " dead, " + std::to_string(list_requests) + " pages)";
  table.add("store filled in", fixed(l.store.seconds, 1) + " s");
  table.add(list, "");
  table.add("  one connection: p50", fixed(l.latency.p50_ms, 3) + " ms");
  table.add("  one connection: p99", fixed(l.latency.p99_ms, 3) + " ms",
            "target <= " + fixed(list_p99_target_ms, 0) + " ms: " +
                verdict(list_met));
  table.add("  one connection: max", fixed(l.latency.max_ms, 3) + " ms");
  auto at_c = "  " + std::to_string(opts.connections) + " connections: ";
  table.add(at_c + "p50", fixed(l.concurrent.p50_ms, 3) + " ms");
  table.add(at_c + "p99", fixed(l.concurrent.p99_ms, 3) + " ms",
            "(queued behind each other)");
  table.add(at_c + "pages per s",
            with_separators(l.concurrent_pages.per_second()));
  table.add("every request answered, every job pending", ok ? "OK" : "FAIL");
  table.print();
  emit_json({{"workload", "http"},
             {"store", "sqlite"},
             {"connections", opts.connections},
             {"jobs", jobs},
             {"healthz_per_s", healthz},
             {"enqueue_one_per_s", one},
             {"one_per_healthz", one_ratio},
             {"one_per_healthz_target", one_per_healthz_target},
             {"batch_size", batch_specs},
             {"batch_jobs", e.batch_jobs},
             {"enqueue_batch_jobs_per_s", batch},
             {"w1_sqlite_jobs_per_s", w1_per_s},
             {"batch_per_w1", batch_ratio},
             {"batch_per_w1_target", batch_per_w1_target},
             {"stored_jobs", l.store.jobs},
             {"stored_dead", l.store.dead},
             {"fill_s", l.store.seconds},
             {"list_requests", list_requests},
             {"list_limit", page_limit},
             {"list_p50_ms", l.latency.p50_ms},
             {"list_p99_ms", l.latency.p99_ms},
             {"list_max_ms", l.latency.max_ms},
             {"list_p99_target_ms", list_p99_target_ms},
             {"list_concurrent_p50_ms", l.concurrent.p50_ms},
             {"list_concurrent_p99_ms", l.concurrent.p99_ms},
             {"list_concurrent_per_s", l.concurrent_pages.per_second()},
             {"targets_met",
              {{"one_per_healthz", one_met},
               {"batch_per_w1", batch_met},
               {"list_p99", list_met}}},
             {"ok", ok}});
}

/// Says why the run stopped (unless a signal did: main says that).
workload_outcome stopped(const std::string& why, const run_files& files,
                         const jobrt::cli::shutdown_signal& interrupt) {
  if (!interrupt.requested())
    std::fprintf(stderr, "HTTP: stopped: %s\n", why.c_str());
  files.remove(true);
  return {false, 0, true};
}

} // namespace

workload_outcome run_http(const options& opts,
                          const jobrt::cli::shutdown_signal& interrupt) {
  auto jobs = opts.jobs.value_or(http_default_jobs);
  auto binary = opts.jobrtd.empty() ? jobrtd_beside_this_program() : opts.jobrtd;
  run_files files(opts.db);
  if (!(std::ofstream(files.config) << daemon_config(opts.connections)))
    return stopped("cannot write " + files.config, files, interrupt);
  enqueue_run e;
  if (auto why = run_enqueues(opts, files, binary, jobs, e, interrupt);
      !why.empty())
    return stopped(why, files, interrupt);
  // W1 as --workload w1 --store sqlite runs it, on a file of its own.
  auto w1_opts = opts;
  w1_opts.store = "sqlite";
  w1_opts.db = files.w1_db;
  w1_opts.workloads = {workload::w1};
  auto w1 = run_w1_noop(w1_opts, interrupt);
  if (w1.stopped || interrupt.requested())
    return stopped("W1 did not finish", files, interrupt);
  list_run l;
  if (auto why = run_list(opts, files, binary, l, interrupt); !why.empty())
    return stopped(why, files, interrupt);
  bool ok = w1.ok && e.pending == jobs + e.batch_jobs &&
            l.latency.count == list_requests &&
            l.concurrent.count == list_requests;
  print_http(opts, jobs, e, w1.jobs_per_s, l, ok);
  files.remove(!ok);
  return {ok, 0};
}

} // namespace bench
