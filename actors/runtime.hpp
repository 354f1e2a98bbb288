#pragma once

// jobrt's embedding API. A service that does not know CAF creates a
// runtime, registers a handler per job type, starts it, and enqueues jobs;
// this header includes no CAF header. A CAF user includes
// actors/runtime_caf.hpp as well, to register handler actors and reach the
// actor system and the actors.
//
//   jobrt::runtime rt;
//   rt.handle("email", [](jobrt::job_context& ctx) -> jobrt::job_result {
//     send_mail(ctx.payload());
//     return jobrt::job_output{};
//   });
//   rt.start();
//   auto id = rt.enqueue({.type = "email", .payload = R"({"to":"a@b.c"})"});
//
// Every call is thread-safe. get, list and the counts of stats read the
// store on the caller's thread and show only durable state; they never wait
// for the supervisor. The other calls block until the supervisor answers (a
// round trip of tens of microseconds), at most the request_timeout or the
// call's own timeout; enqueue a vector to add many jobs in one round trip.
// Nothing throws: refusals are request_errors.
// While the store cannot commit (a full disk, an I/O error), calls are
// answered at once with store_failure naming the cause; a call that gets no
// answer within request_timeout fails with `timeout` (its request may still
// take effect), never with not_started.
//
// A hung handler: a callable handler that ignores its stop request cannot
// be preempted. At shutdown (and so in the destructor) the runtime waits
// `grace` for running attempts, asks the rest to stop, waits stop_patience
// more, and then abandons the threads still inside a handler: they are
// detached, counted in shutdown_report::abandoned_handlers and logged. Each
// costs its thread and whatever the handler holds until it returns (if it
// ever does); its result is dropped and its job is pending again, so the
// next start runs it anew. Shutdown and destruction are always bounded.

#include "jobrt/actors/config_error.hpp"
#include "jobrt/actors/job_type_options.hpp"
#include "jobrt/actors/retention_policy.hpp"
#include "jobrt/messages/job_context.hpp"
#include "jobrt/messages/job_query.hpp"
#include "jobrt/messages/replies.hpp"
#include "jobrt/messages/runtime_event.hpp"
#include "jobrt/messages/runtime_stats.hpp"
#include "jobrt/persistence/job_store.hpp"
#include "jobrt/persistence/postgres_options.hpp"
#include "jobrt/persistence/sqlite_options.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace spdlog {
class logger;
}

namespace jobrt {

struct runtime_config {
  /// Threads that run callable handlers (0 allows only handler actors);
  /// at most 1024.
  std::size_t worker_threads = 4;
  /// Attempts handed to each worker thread at most: one running, the rest
  /// waiting for it (see supervisor.hpp). More hides the store's commit
  /// latency for very short jobs; fewer keeps dispatched attempts from
  /// waiting behind long ones. An attempt's time limit counts from the
  /// start of its handler either way.
  std::size_t handoff_per_thread = 2;
  /// Attempts out at once over all types (see supervisor.hpp).
  std::size_t max_in_flight = 256;
  /// Per queue name: at most this many attempts at once.
  std::map<std::string, std::int32_t, std::less<>> queue_concurrency;
  /// Where jobs live: a SQLite file, the durable default, opened by start()
  /// with `sqlite` as its options (persistence/sqlite_store.hpp); or a
  /// postgresql:// URI, a database that several runtimes share, opened with
  /// `postgres` (persistence/postgres_store.hpp). The store is named by
  /// value: this header needs no store's own header.
  std::optional<std::string> database;
  sqlite_options sqlite;
  /// Unset postgres.node: this runtime's owner name; unset on_notice: the
  /// logger, at warn.
  postgres_options postgres;
  /// Or any store; it wins over `database`. With neither: a new
  /// memory_store, which is NOT durable (tests, benchmarks).
  std::shared_ptr<job_store> store;
  /// Completed and cancelled jobs are removed a day after they finished;
  /// dead jobs stay until an operator purges them.
  retention_policy retention = retention_policy::standard();
  /// Unset: a logger named "jobrt" on stderr at info level.
  std::shared_ptr<spdlog::logger> logger;
  /// Seeds the retry jitter; unset: from std::random_device.
  std::optional<std::uint64_t> jitter_seed;
  /// CAF scheduler threads, which run the supervisor, timer, breaker and
  /// handler actors (callable handlers have worker_threads). The supervisor
  /// is one actor, so more threads mostly add hand-offs: one measured
  /// fastest on 2 cores. Raise it for many busy handler actors; 0 takes
  /// CAF's default, max(4, cores).
  std::size_t scheduler_threads = 1;
  /// How long a blocking call waits for the supervisor before giving up
  /// (request_error::timeout).
  duration request_timeout{std::chrono::seconds(60)};
  /// At shutdown, after the grace: how long to wait for handlers that were
  /// asked to stop before abandoning their threads (see above).
  duration stop_patience{std::chrono::seconds(2)};
};

class runtime {
public:
  explicit runtime(runtime_config config = {});
  /// Shuts down without grace if shutdown() was not called.
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // -- before start -----------------------------------------------------------

  /// A callable handler, run on the worker threads. Handler actors:
  /// actors/runtime_caf.hpp.
  config_check handle(std::string type, job_handler handler,
                      job_type_options options = {});

  /// Checks every setting (invalid_config naming the first bad one), opens
  /// and loads the store, starts the worker threads and the actors. A store
  /// that cannot be opened (locked by another process, corrupt, newer
  /// schema, ...) is a store_failure naming the reason; worker threads
  /// that cannot be started are not_started with the system's reason.
  /// Nothing runs after a failure, and start() may not be called again.
  result<void, request_error> start();

  // -- while running ------------------------------------------------------------

  // `timeout` bounds a call that waits for the supervisor; unset: the
  // runtime's request_timeout.

  result<enqueued, request_error>
  enqueue(job_spec spec, std::optional<duration> timeout = std::nullopt);
  /// One result per spec, in order; all in one round trip and one commit.
  enqueue_results enqueue(job_specs specs,
                          std::optional<duration> timeout = std::nullopt);

  /// The job as the store holds it.
  job_reply get(job_id id);
  /// A page of jobs as the store holds them.
  result<job_page, request_error> list(job_query query);
  /// Counts per state from the store; the supervisor's counters.
  result<runtime_stats, request_error>
  stats(std::optional<duration> timeout = std::nullopt);
  /// Group commit so far: transactions, turns and rows written.
  result<store_stats, request_error>
  commit_stats(std::optional<duration> timeout = std::nullopt);
  /// Operators' changes, decided by the supervisor on the job as it holds
  /// it or as the store holds it now. A job another process changed in
  /// between is read again and the change retried; `conflict` if it keeps
  /// changing.
  job_reply cancel(job_id id, std::optional<duration> timeout = std::nullopt);
  job_reply requeue(job_id id, std::optional<duration> timeout = std::nullopt);
  job_reply purge(job_id id, std::optional<duration> timeout = std::nullopt);

  /// `callback` sees every event batch, in order, on a thread of its own
  /// (it may block, but slows only its own delivery).
  result<void, request_error>
  subscribe(std::function<void(const event_batch&)> callback);

  /// Stops dispatching, waits up to `grace` for running attempts, gives
  /// the rest back (pending), and stops the actors; see "A hung handler"
  /// above. Any grace is accepted (negative: none; huge: ten years).
  /// Idempotent.
  result<shutdown_report, request_error> shutdown(duration grace);

  spdlog::logger& log() const;

private:
  friend struct runtime_caf; // actors/runtime_caf.hpp
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace jobrt
