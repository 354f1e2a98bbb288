// The process that crash_test.cpp kills: a runtime on a SQLite file working
// through JOBS jobs with transient failures, retries and attempt timeouts.
// postgres_nodes_test.cpp runs several on one PostgreSQL queue: DB is then
// a postgresql:// URI, JOBRT_CRASH_SCHEMA names the schema,
// JOBRT_CRASH_DEAD_AFTER_MS the nodes' dead-after window, and
// JOBRT_CRASH_ENQUEUE=0 makes a node that only runs jobs: one node
// enqueues, since a unique key holds only among live jobs and a second
// enqueuer would add a job anew once the first of its key finished.
//
//   jobrt-crash-worker DB JOURNAL_PATH SEED JOBS
//
// Every run enqueues the jobs "job-0" .. "job-<JOBS-1>" that the file does
// not hold yet (read before the runtime starts, so no key is enqueued
// twice, not even one whose terminal job freed it), then runs until every
// job is terminal and exits 0. Outside the database, fsynced, it keeps:
//   JOURNAL_PATH         "exec <job id> <attempt> <outcome>" per execution,
//                        written before the handler returns (outcome ok,
//                        transient or stopped);
//   JOURNAL_PATH.acks    "ack <key> <job id>" per acknowledged enqueue
//                        ("existing <key> <job id>" if a key was live
//                        although the file did not hold it: a bug on one
//                        node; on several, another node enqueued it).
// Exit codes: 0 all terminal, 2 usage, 3 store or runtime refused, 4 not
// done within the bound.

#include "crash/crash_workload.hpp"
#include "persistence/all_jobs.hpp"

#include "cli/decimal_arg.hpp"

#include "jobrt/actors/runtime.hpp"
#include "jobrt/persistence/postgres_store.hpp"
#include "jobrt/persistence/sqlite_store.hpp"
#include "jobrt/persistence/store_location.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>

using namespace jobrt;
using namespace jobrt::crash;
using namespace std::chrono_literals;

namespace {

/// An append-only file whose every line is on disk before append returns.
/// Lines are written with one write(2) each, so threads never interleave.
/// A kill can tear the write under way (Linux stops a write between pages
/// when a fatal signal is pending): like a database log, the journal drops
/// a torn last line when it is opened again, so lines never run together.
class durable_journal {
public:
  explicit durable_journal(const std::string& path)
    : fd_(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
                 0644)) {
    if (fd_ < 0) {
      std::perror(path.c_str());
      std::exit(3);
    }
    drop_torn_tail();
  }
  ~durable_journal() { ::close(fd_); }
  durable_journal(const durable_journal&) = delete;
  durable_journal& operator=(const durable_journal&) = delete;

  void append(const std::string& lines) const {
    if (::write(fd_, lines.data(), lines.size()) !=
            static_cast<ssize_t>(lines.size()) ||
        ::fdatasync(fd_) != 0) {
      std::perror("journal");
      std::_Exit(3); // a lost line would make the checks lie
    }
  }

private:
  void drop_torn_tail() const {
    auto size = ::lseek(fd_, 0, SEEK_END);
    off_t keep = size;
    char c = '\n';
    while (keep > 0 && ::pread(fd_, &c, 1, keep - 1) == 1 && c != '\n')
      --keep;
    if (keep != size && (::ftruncate(fd_, keep) != 0 || ::fsync(fd_) != 0)) {
      std::perror("journal");
      std::_Exit(3);
    }
  }

  int fd_;
};

/// The unique keys the store already holds, in any state: those jobs were
/// enqueued by an earlier run and must not be enqueued again. A SQLite file
/// is opened as its owner (and closed before the runtime opens it) rather
/// than as a reader, so that a file a kill left without its schema is
/// migrated, not refused; a PostgreSQL schema not made yet holds no keys.
std::set<std::string> known_keys(const std::string& db,
                                 const postgres_options& postgres) {
  std::shared_ptr<job_reader> reader;
  std::unique_ptr<sqlite_store> owner;
  if (names_postgres(db)) {
    auto opened = postgres_store::open_reader(db, postgres);
    if (!opened && opened.error().message.find("no jobrt schema") !=
                       std::string::npos)
      return {};
    if (!opened) {
      std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
      std::exit(3);
    }
    reader = std::move(opened).value();
  } else {
    auto opened = sqlite_store::open(db);
    if (!opened) {
      std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
      std::exit(3);
    }
    owner = std::move(opened).value();
    reader = owner->reader();
  }
  auto jobs = jobrt::test::all_jobs(*reader);
  if (!jobs) {
    std::fprintf(stderr, "load: %s\n", jobs.error().message.c_str());
    std::exit(3);
  }
  std::set<std::string> keys;
  for (const auto& j : jobs.value())
    if (j.unique_key)
      keys.insert(*j.unique_key);
  return keys;
}

std::string exec_line(const job_context& ctx, std::string_view outcome) {
  return "exec " + std::to_string(ctx.id()) + " " +
         std::to_string(ctx.attempt()) + " " + std::string(outcome) + "\n";
}

/// Fails transiently when the workload says so.
job_handler flaky_handler(const durable_journal& journal, std::uint64_t seed) {
  return [&journal, seed](job_context& ctx) -> job_result {
    ctx.sleep_for(work_time(ctx.payload(), ctx.attempt(), seed));
    if (fails_transiently(ctx.payload(), ctx.attempt(), seed)) {
      journal.append(exec_line(ctx, "transient"));
      return job_error::transient("flaky", "injected transient failure");
    }
    journal.append(exec_line(ctx, "ok"));
    return job_output{};
  };
}

/// Sometimes sleeps past its attempt timeout, until the runtime stops it.
job_handler slow_handler(const durable_journal& journal, std::uint64_t seed) {
  return [&journal, seed](job_context& ctx) -> job_result {
    const auto sleep = overruns(ctx.payload(), ctx.attempt(), seed)
                           ? slow_sleep
                           : work_time(ctx.payload(), ctx.attempt(), seed);
    if (ctx.sleep_for(sleep)) {
      journal.append(exec_line(ctx, "stopped"));
      return job_error::transient("stopped", "stopped after the timeout");
    }
    journal.append(exec_line(ctx, "ok"));
    return job_output{};
  };
}

job_type_options type_options(duration timeout) {
  job_type_options options;
  options.retry.max_attempts = max_attempts;
  options.retry.backoff = exponential_backoff{8ms, 2.0, 40ms};
  options.retry.jitter = {jitter_kind::none, 0.0};
  options.timeout = timeout;
  options.breaker = std::nullopt;
  return options;
}

/// Enqueues every job the file does not hold yet, 100 per round trip, and
/// journals each acknowledgement.
bool enqueue_missing(runtime& rt, const std::set<std::string>& known,
                     std::size_t jobs, const durable_journal& acks) {
  job_specs batch;
  auto flush = [&] {
    if (batch.empty())
      return true;
    auto results = rt.enqueue(batch);
    // A store that cannot commit now (a connection cut, a server restart)
    // refuses the batch; the keys make a retry safe.
    for (int retry = 0; retry < 100 && !results.empty() && !results[0] &&
                        results[0].error().code ==
                            request_error::code_type::store_failure;
         ++retry) {
      std::this_thread::sleep_for(100ms);
      results = rt.enqueue(batch);
    }
    std::string lines;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (!results[i]) {
        std::fprintf(stderr, "enqueue %s: %s\n", batch[i].unique_key->c_str(),
                     describe(results[i].error()).c_str());
        return false;
      }
      lines += (results[i].value().existing ? "existing " : "ack ") +
               *batch[i].unique_key + " " +
               std::to_string(results[i].value().id) + "\n";
    }
    acks.append(lines);
    batch.clear();
    return true;
  };
  for (std::size_t n = 0; n < jobs; ++n) {
    auto key = job_key(n);
    if (known.count(key) != 0)
      continue;
    job_spec spec;
    spec.type = std::string{job_type(n)};
    spec.payload = key;
    spec.unique_key = key;
    batch.push_back(std::move(spec));
    if (batch.size() == 100 && !flush())
      return false;
  }
  return flush();
}

bool all_terminal(runtime& rt, std::size_t jobs) {
  auto stats = rt.stats();
  if (!stats)
    return false;
  const auto& s = stats.value();
  return s.count(job_state::completed) + s.count(job_state::dead) +
             s.count(job_state::cancelled) >=
         jobs;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: jobrt-crash-worker DB JOURNAL_PATH SEED JOBS\n");
    return 2;
  }
  const std::string db_path = argv[1];
  const std::string journal_path = argv[2];
  const auto seed_arg = cli::parse_decimal_arg("SEED", argv[3]);
  const auto jobs_arg = cli::parse_decimal_arg("JOBS", argv[4], {1, SIZE_MAX});
  for (const auto* arg : {&seed_arg, &jobs_arg})
    if (!*arg) {
      std::fprintf(stderr, "jobrt-crash-worker: %s\n",
                   arg->error().message.c_str());
      return 2;
    }
  const auto seed = seed_arg.value();
  const auto jobs = static_cast<std::size_t>(jobs_arg.value());

  postgres_options postgres;
  if (const char* schema = std::getenv("JOBRT_CRASH_SCHEMA"))
    postgres.schema = schema;
  if (const char* window = std::getenv("JOBRT_CRASH_DEAD_AFTER_MS")) {
    postgres.dead_after = duration{std::atoll(window)};
    postgres.heartbeat = postgres.dead_after / 8;
  }
  const auto known = known_keys(db_path, postgres);
  const durable_journal journal{journal_path};
  const durable_journal acks{journal_path + ".acks"};

  runtime_config config;
  config.database = db_path;
  config.postgres = postgres;
  config.sqlite.synchronous = sqlite_options::sync_mode::full;
  config.retention = retention_policy::keep_all();
  // Few attempts out at once, as in a service sized to its threads: each
  // kill then abandons a handful of attempts, not hundreds of queued ones.
  config.worker_threads = 4;
  config.max_in_flight = 8;
  config.jitter_seed = seed;
  config.logger = spdlog::stderr_logger_mt("jobrt-crash-worker");
  const char* level = std::getenv("JOBRT_CRASH_LOG");
  config.logger->set_level(level != nullptr && std::string(level) == "debug"
                               ? spdlog::level::debug
                               : spdlog::level::warn);
  runtime rt{config};
  if (!rt.handle("flaky", flaky_handler(journal, seed),
                 type_options(std::chrono::seconds(10))) ||
      !rt.handle("slow", slow_handler(journal, seed),
                 type_options(slow_timeout))) {
    std::fprintf(stderr, "handler registration refused\n");
    return 3;
  }
  if (auto started = rt.start(); !started) {
    std::fprintf(stderr, "start: %s\n", describe(started.error()).c_str());
    return 3;
  }
  const char* enqueue = std::getenv("JOBRT_CRASH_ENQUEUE");
  if ((enqueue == nullptr || std::string(enqueue) != "0") &&
      !enqueue_missing(rt, known, jobs, acks))
    return 3;

  const auto give_up = std::chrono::steady_clock::now() + 90s;
  while (!all_terminal(rt, jobs)) {
    if (std::chrono::steady_clock::now() > give_up) {
      std::fprintf(stderr, "jobs not terminal within the bound\n");
      return 4;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (auto report = rt.shutdown(2s); !report) {
    std::fprintf(stderr, "shutdown: %s\n", describe(report.error()).c_str());
    return 3;
  }
  return 0;
}
