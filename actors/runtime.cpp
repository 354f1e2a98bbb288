#include "jobrt/actors/runtime.hpp"
#include "jobrt/actors/runtime_caf.hpp"

#include "jobrt/actors/handler_registry.hpp"

#include "jobrt/actors/clock.hpp"
#include "jobrt/actors/supervisor.hpp"
#include "jobrt/actors/timer.hpp"
#include "jobrt/actors/worker_pool.hpp"
#include "jobrt/persistence/memory_store.hpp"
#include "jobrt/persistence/owner_name.hpp"
#include "jobrt/persistence/store_location.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <random>
#include <system_error>

#include <unistd.h>

namespace jobrt {

namespace {

std::shared_ptr<spdlog::logger> default_logger() {
  if (auto existing = spdlog::get("jobrt"))
    return existing;
  auto log = spdlog::stderr_color_mt("jobrt");
  log->set_level(spdlog::level::info);
  return log;
}

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    const runtime_config& config) {
  if (config.scheduler_threads > 0)
    cfg.set("scheduler.max-threads", config.scheduler_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

request_error invalid_config(const config_error& e) {
  return {request_error::code_type::invalid_config, e.message(), 0};
}

config_check check_range(std::string_view field, std::int64_t value,
                         std::int64_t low, std::int64_t high) {
  if (value < low || value > high)
    return reject_setting(field, "must be between " + std::to_string(low) +
                                     " and " + std::to_string(high) +
                                     " (got " + std::to_string(value) + ")");
  return outcome::success();
}

config_check check_duration(std::string_view field, duration d,
                            duration low, duration high) {
  return check_range(std::string(field) + "_ms", d.count(), low.count(),
                     high.count());
}

std::int64_t as_int(std::size_t n) {
  return n > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX
                                                 : static_cast<std::int64_t>(n);
}

/// Every setting of runtime_config, checked before anything starts.
config_check validate(const runtime_config& c) {
  using namespace std::chrono_literals;
  const auto year = std::chrono::duration_cast<duration>(24h * 365);
  BOOST_OUTCOME_TRYV(check_range("worker_threads", as_int(c.worker_threads), 0, 1024));
  BOOST_OUTCOME_TRYV(check_range("handoff_per_thread", as_int(c.handoff_per_thread), 1, 1024));
  BOOST_OUTCOME_TRYV(check_range("max_in_flight", as_int(c.max_in_flight), 1, 1'000'000));
  BOOST_OUTCOME_TRYV(check_range("scheduler_threads", as_int(c.scheduler_threads), 0, 256));
  for (const auto& [queue, limit] : c.queue_concurrency) {
    if (queue.empty() || queue.size() > max_name_bytes)
      return reject_setting("queue_concurrency",
                            "queue names must have 1 to " +
                                std::to_string(max_name_bytes) + " bytes");
    BOOST_OUTCOME_TRYV(check_range("queue_concurrency." + queue, limit, 1, INT32_MAX));
  }
  if (c.database && c.database->empty())
    return reject_setting("database", "must not be empty when set");
  BOOST_OUTCOME_TRYV(check_range("sqlite.max_payload_bytes",
                                 as_int(c.sqlite.max_payload_bytes), 1,
                                 256 << 20));
  if (c.sqlite.max_page_count) {
    BOOST_OUTCOME_TRYV(check_range("sqlite.max_page_count", *c.sqlite.max_page_count,
                                   1, INT32_MAX));
  }
  BOOST_OUTCOME_TRYV(check_duration("sqlite.busy_timeout", c.sqlite.busy_timeout,
                                    0ms, 1h));
  for (auto state : {job_state::completed, job_state::cancelled, job_state::dead}) {
    if (auto age = c.retention.age(state)) {
      BOOST_OUTCOME_TRYV(check_duration("retention." + std::string(to_string(state)),
                                        *age, 0ms, 100 * year));
    }
  }
  BOOST_OUTCOME_TRYV(check_duration("retention.interval", c.retention.interval, 1ms, 24h));
  BOOST_OUTCOME_TRYV(check_duration("request_timeout", c.request_timeout, 1ms, year));
  BOOST_OUTCOME_TRYV(check_duration("stop_patience", c.stop_patience, 0ms, 1h));
  return outcome::success();
}

request_error not_running() {
  return {request_error::code_type::not_started,
          "the runtime is not running (start it first)", 0};
}

request_error read_failure(const store_error& e) {
  return {request_error::code_type::store_failure,
          "cannot read the store: " + describe(e), 0};
}

event_listener::behavior_type
callback_listener(event_listener::pointer,
                  std::function<void(const event_batch&)> callback) {
  return {[callback](const event_batch& batch) { callback(batch); }};
}

} // namespace

struct runtime::impl {
  explicit impl(runtime_config c)
    : config(std::move(c)), system(configure(caf_config, config)) {
    if (!config.logger)
      config.logger = default_logger();
  }

  /// Sends a request and waits for its answer; a CAF error (timeout, dead
  /// supervisor) becomes a request_error.
  template <class Reply, class... Ts>
  result<Reply, request_error> ask(std::optional<duration> timeout,
                                   Ts&&... xs) {
    return ask_within<Reply>(timeout.value_or(config.request_timeout),
                             std::forward<Ts>(xs)...);
  }

  template <class Reply, class... Ts>
  result<Reply, request_error> ask_within(duration timeout, Ts&&... xs) {
    if (!supervisor || stopped.load())
      return outcome::failure(not_running());
    std::optional<result<Reply, request_error>> answer;
    caf::scoped_actor self{system};
    self->request(supervisor, timeout, std::forward<Ts>(xs)...)
        .receive([&](Reply& reply) { answer.emplace(outcome::success(std::move(reply))); },
                 [&](caf::error& err) {
                   // A timeout says nothing of whether the request took
                   // effect; "not started" would invite a duplicate.
                   auto code = err == caf::sec::request_timeout
                                   ? request_error::code_type::timeout
                                   : request_error::code_type::not_started;
                   answer.emplace(outcome::failure(request_error{
                       code, "no answer from the supervisor: " + system.render(err),
                       0}));
                 });
    return std::move(*answer);
  }

  runtime_config config;
  caf::actor_system_config caf_config;
  caf::actor_system system;
  std::shared_ptr<handler_registry> registry =
      std::make_shared<handler_registry>();
  timer_actor timer;
  supervisor_actor supervisor;
  std::shared_ptr<worker_pool> pool;
  /// The store's read side: get, list and counts never wait for a turn.
  std::shared_ptr<job_reader> reader;
  std::mutex listeners_mutex;
  std::vector<event_listener> listeners; ///< guarded by listeners_mutex
  std::atomic<bool> stopped = false;

  /// A cancel, requeue or purge: decided by the supervisor on the job as
  /// it holds it, or as read from the store now; read again and retried
  /// when the job changed in between (another process wrote it).
  template <class Atom>
  job_reply change(Atom atom, job_id id, std::optional<duration> timeout) {
    if (!supervisor || stopped.load())
      return not_running();
    job_reply answer = not_running();
    for (int tries = 0; tries < 3; ++tries) {
      auto stored = reader->find(id);
      if (!stored)
        return read_failure(stored.error());
      auto asked = ask<job_reply>(timeout, atom, id, std::move(stored).value());
      if (!asked)
        return asked.error();
      answer = std::move(asked).value();
      if (answer || answer.error().code != request_error::code_type::conflict)
        return answer;
    }
    return answer;
  }
};

runtime::runtime(runtime_config config)
  : impl_(std::make_unique<impl>(std::move(config))) {}

runtime::~runtime() {
  if (impl_->supervisor && !impl_->stopped.load())
    (void) shutdown(duration::zero());
}

config_check runtime::handle(std::string type, job_handler handler,
                             job_type_options options) {
  if (impl_->supervisor)
    return reject_setting("type", "handlers are registered before start()");
  if (impl_->config.worker_threads == 0)
    return reject_setting("worker_threads",
                          "callable handlers need at least one worker thread");
  return impl_->registry->add(std::move(type), std::move(handler),
                              std::move(options));
}

config_check runtime_caf::handle(runtime& rt, std::string type,
                                 handler_actor handler,
                                 job_type_options options) {
  if (rt.impl_->supervisor)
    return reject_setting("type", "handlers are registered before start()");
  return rt.impl_->registry->add(std::move(type), std::move(handler),
                                 std::move(options));
}

result<void, request_error> runtime::start() {
  auto& d = *impl_;
  if (d.supervisor || d.stopped)
    return request_error{request_error::code_type::invalid_config,
                         "a runtime starts once", 0};
  if (auto valid = validate(d.config); !valid)
    return invalid_config(valid.error());
  auto owner = make_owner_name();
  if (!d.config.store && d.config.database) {
    auto postgres = d.config.postgres;
    if (postgres.node.empty())
      postgres.node = owner;
    if (!postgres.on_notice) {
      auto log = d.config.logger;
      postgres.on_notice = [log](const std::string& what) {
        log->warn("postgresql: {}", what);
      };
    }
    auto opened = open_store_at(*d.config.database, d.config.sqlite, postgres);
    if (!opened)
      return request_error{request_error::code_type::store_failure,
                           "cannot open the job database: " +
                               describe(opened.error()),
                           0};
    d.config.store = std::move(opened).value();
  }
  if (!d.config.store)
    d.config.store = std::make_shared<memory_store>();
  d.reader = d.config.store->reader();
  auto clock = std::make_shared<actor_system_clock>(d.system.clock(),
                                                    wall_clock_now());
  if (d.config.worker_threads > 0) {
    try {
      d.pool = std::make_shared<worker_pool>(
          d.config.worker_threads, d.config.logger, nullptr,
          worker_pool_options{[clock] { return clock->now(); }, d.registry,
                              d.config.stop_patience});
    } catch (const std::system_error& e) {
      d.stopped = true;
      return request_error{request_error::code_type::not_started,
                           "cannot start " +
                               std::to_string(d.config.worker_threads) +
                               " worker threads: " + e.what(),
                           0};
    }
  }
  d.timer = spawn_timer(d.system, clock, d.config.logger);
  supervisor_setup setup;
  setup.registry = d.registry;
  setup.store = d.config.store;
  setup.inline_commit = !d.config.store->blocks_on_io();
  setup.retention = d.config.retention;
  // A shared store knows this runtime by the name it registered.
  setup.owner = d.config.store->node().value_or(owner);
  setup.clock = clock;
  setup.log = d.config.logger;
  setup.timer = d.timer;
  setup.worker_threads = d.config.worker_threads;
  setup.pool = d.pool;
  setup.handoff_per_thread = d.config.handoff_per_thread;
  setup.max_in_flight = d.config.max_in_flight;
  setup.queue_concurrency = d.config.queue_concurrency;
  setup.jitter_seed = d.config.jitter_seed ? *d.config.jitter_seed
                                           : std::random_device{}();
  d.supervisor = spawn_supervisor(d.system, std::move(setup));
  return outcome::success();
}

result<enqueued, request_error>
runtime::enqueue(job_spec spec, std::optional<duration> timeout) {
  job_specs specs;
  specs.push_back(std::move(spec));
  auto results = enqueue(std::move(specs), timeout);
  return std::move(results.front());
}

enqueue_results runtime::enqueue(job_specs specs,
                                 std::optional<duration> timeout) {
  auto count = specs.size();
  auto answer = impl_->ask<enqueue_results>(timeout, atoms::enqueue::value,
                                            std::move(specs));
  if (answer)
    return std::move(answer).value();
  return enqueue_results(count, answer.error());
}

job_reply runtime::get(job_id id) {
  if (!impl_->reader)
    return not_running();
  auto found = impl_->reader->find(id);
  if (!found)
    return read_failure(found.error());
  if (!found.value())
    return request_error{request_error::code_type::not_found, "no such job",
                         id};
  return std::move(*found.value());
}

result<job_page, request_error> runtime::list(job_query query) {
  if (!impl_->reader)
    return not_running();
  auto page = impl_->reader->list(query);
  if (!page)
    return read_failure(page.error());
  return std::move(page).value();
}

result<runtime_stats, request_error>
runtime::stats(std::optional<duration> timeout) {
  BOOST_OUTCOME_TRY(s, impl_->ask<runtime_stats>(timeout, atoms::stats::value));
  auto counts = impl_->reader->count_by_state();
  if (!counts)
    return read_failure(counts.error());
  s.jobs = counts.value();
  auto live = impl_->reader->live_by_type();
  if (!live)
    return read_failure(live.error());
  for (const auto& [type, jobs] : live.value())
    if (impl_->registry->find(type) == nullptr)
      s.without_handler += jobs;
  return s;
}

result<store_stats, request_error>
runtime::commit_stats(std::optional<duration> timeout) {
  return impl_->ask<store_stats>(timeout, atoms::stats::value,
                                 atoms::commit::value);
}

job_reply runtime::cancel(job_id id, std::optional<duration> timeout) {
  return impl_->change(atoms::cancel::value, id, timeout);
}

job_reply runtime::requeue(job_id id, std::optional<duration> timeout) {
  return impl_->change(atoms::requeue::value, id, timeout);
}

job_reply runtime::purge(job_id id, std::optional<duration> timeout) {
  return impl_->change(atoms::purge::value, id, timeout);
}

result<void, request_error>
runtime::subscribe(std::function<void(const event_batch&)> callback) {
  if (!impl_->supervisor || impl_->stopped.load())
    return not_running();
  auto listener = impl_->system.spawn<caf::detached>(callback_listener,
                                                     std::move(callback));
  {
    std::lock_guard<std::mutex> guard{impl_->listeners_mutex};
    impl_->listeners.push_back(listener);
  }
  return runtime_caf::subscribe(*this, listener);
}

result<void, request_error> runtime_caf::subscribe(runtime& rt,
                                                   event_listener listener) {
  if (!rt.impl_->supervisor || rt.impl_->stopped.load())
    return not_running();
  caf::anon_send(rt.impl_->supervisor, atoms::subscribe::value,
                 std::move(listener));
  return outcome::success();
}

result<shutdown_report, request_error> runtime::shutdown(duration grace) {
  auto& d = *impl_;
  if (!d.supervisor)
    return not_running();
  if (d.stopped)
    return shutdown_report{};
  grace = std::clamp(grace, duration::zero(), max_grace);
  // Both bounded: no overflow.
  auto report = d.ask_within<shutdown_report>(grace + d.config.request_timeout,
                                              atoms::shutdown::value, grace);
  d.stopped = true;
  if (d.pool) {
    // The grace is over: handlers still running were asked to stop. Those
    // that do not return within stop_patience lose their thread.
    auto abandoned = d.pool->stop_and_join(d.config.stop_patience);
    if (report)
      report.value().abandoned_handlers = abandoned;
  }
  caf::anon_send_exit(d.supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(d.timer, caf::exit_reason::user_shutdown);
  {
    std::lock_guard<std::mutex> guard{d.listeners_mutex};
    for (auto& listener : d.listeners)
      caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
  }
  // Registered handler actors belong to the runtime from then on; left
  // running, they would keep the actor system's destructor waiting.
  for (const auto& [type, registration] : d.registry->types())
    if (const auto* actor = std::get_if<handler_actor>(&registration.handler))
      caf::anon_send_exit(*actor, caf::exit_reason::user_shutdown);
  return report;
}

caf::actor_system& runtime_caf::system(runtime& rt) { return rt.impl_->system; }
supervisor_actor runtime_caf::supervisor(const runtime& rt) {
  return rt.impl_->supervisor;
}
timer_actor runtime_caf::timer(const runtime& rt) { return rt.impl_->timer; }
spdlog::logger& runtime::log() const { return *impl_->config.logger; }

} // namespace jobrt
