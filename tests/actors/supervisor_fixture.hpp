#pragma once

// A supervisor, the real timer and circuit breaker, a memory store and a
// scripted handler actor, all on the deterministic test coordinator.
//
// The scripted handler answers each attempt with what `script` returns for
// it, or holds the attempt (never answers) when the script returns nullopt;
// the test can answer a held attempt later with `reply_late`. Every attempt
// it receives and every stop request is recorded in `log`.

#include "deterministic_system.hpp"

#include "jobrt/actors/supervisor.hpp"
#include "jobrt/actors/timer.hpp"
#include "jobrt/actors/worker_pool.hpp"
#include "jobrt/persistence/memory_store.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <catch2/catch.hpp>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace jobrt::testing {

using reply_atom = caf::atom_constant<caf::atom("reply")>;

/// The handler interface plus a way for the test to answer a held attempt.
using scripted_handler = handler_actor::extend<
    caf::reacts_to<reply_atom, job_id, std::int32_t, job_result>>;

struct attempt_run {
  job_id id;
  std::int32_t attempt;
  time_point at;
};

struct handler_log {
  /// nullopt: hold the attempt.
  std::function<std::optional<job_result>(const job&)> script =
      [](const job&) { return std::optional<job_result>{job_output{}}; };
  std::vector<attempt_run> runs;
  std::vector<std::pair<job_id, std::int32_t>> stops;

  std::size_t runs_of(job_id id) const {
    std::size_t n = 0;
    for (const auto& r : runs)
      n += r.id == id ? 1 : 0;
    return n;
  }
};

struct scripted_handler_state {
  std::map<std::pair<job_id, std::int32_t>,
           caf::typed_response_promise<job_result>>
      held;
};

inline scripted_handler::behavior_type
scripted_handler_behavior(
    scripted_handler::stateful_pointer<scripted_handler_state> self,
    std::shared_ptr<handler_log> log, std::shared_ptr<const clock> clock) {
  return {
      [=](atoms::run, const job& record) -> caf::result<job_result> {
        log->runs.push_back({record.id, record.attempt, clock->now()});
        if (auto answer = log->script(record))
          return *answer;
        auto promise = self->make_response_promise<job_result>();
        self->state.held.emplace(std::pair{record.id, record.attempt}, promise);
        return promise;
      },
      [=](atoms::stop, job_id id, std::int32_t attempt) {
        log->stops.emplace_back(id, attempt);
      },
      [=](reply_atom, job_id id, std::int32_t attempt, job_result result) {
        auto i = self->state.held.find({id, attempt});
        if (i == self->state.held.end())
          return;
        i->second.deliver(std::move(result));
        self->state.held.erase(i);
      },
  };
}

inline std::shared_ptr<spdlog::logger> quiet_logger() {
  return std::make_shared<spdlog::logger>(
      "jobrt-test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

/// Options with this retry policy, no breaker, the rest defaulted.
inline job_type_options with_policy(retry_policy policy) {
  job_type_options o;
  o.retry = std::move(policy);
  o.breaker = std::nullopt;
  return o;
}


class supervisor_fixture : public deterministic_system {
public:
  supervisor_fixture() {
    std::shared_ptr<const jobrt::clock> time = clock;
    handler = sys.spawn(scripted_handler_behavior, log, time);
  }

  ~supervisor_fixture() {
    for (const caf::actor_addr& a : {supervisor.address(), timer.address(),
                                     handler.address()})
      if (auto strong = caf::actor_cast<caf::actor>(a))
        caf::anon_send_exit(strong, caf::exit_reason::user_shutdown);
    run();
  }

  /// Registers `type` to the scripted handler; by default without breaker.
  void handle(const std::string& type,
              job_type_options options = with_policy(retry_policy{})) {
    auto added = registry->add(type, caf::actor_cast<handler_actor>(handler),
                               std::move(options));
    REQUIRE(added);
  }

  void start(std::size_t max_in_flight = 64,
             std::map<std::string, std::int32_t, std::less<>> queues = {}) {
    timer = spawn_timer(sys, clock, quiet_logger());
    supervisor_setup setup;
    setup.registry = registry;
    setup.store = store_in_use();
    setup.inline_commit = inline_commit;
    setup.retention = retention;
    setup.owner = owner;
    setup.stage_horizon = stage_horizon;
    setup.clock = clock;
    setup.log = quiet_logger();
    setup.timer = timer;
    setup.worker_threads = worker_threads;
    setup.pool = pool;
    setup.handoff_per_thread = handoff_per_thread;
    setup.max_in_flight = max_in_flight;
    setup.queue_concurrency = std::move(queues);
    setup.jitter_seed = 7;
    supervisor = spawn_supervisor(sys, std::move(setup));
    if (run_at_start)
      run();
  }

  /// False: start() spawns the supervisor and runs nothing, so a test can
  /// order the first messages itself.
  bool run_at_start = true;

  /// Sends a request, runs the system, and returns the reply.
  template <class Reply, class... Ts>
  Reply ask(Ts&&... xs) {
    caf::scoped_actor self{sys};
    auto handle = self->request(supervisor, caf::infinite,
                                std::forward<Ts>(xs)...);
    run();
    std::optional<Reply> reply;
    handle.receive([&](Reply& r) { reply.emplace(std::move(r)); },
                   [&](caf::error& e) { FAIL(sys.render(e)); });
    return std::move(*reply);
  }

  job_id enqueue(job_spec spec) {
    auto results = ask<enqueue_results>(atoms::enqueue::value,
                                        job_specs{std::move(spec)});
    REQUIRE(results.size() == 1);
    REQUIRE(results.front());
    return results.front().value().id;
  }

  /// The job as the store holds it (the runtime's get reads the store too).
  job get(job_id id) {
    auto reply = get_reply(id);
    REQUIRE(reply);
    return reply.value();
  }

  job_reply get_reply(job_id id) {
    auto found = store_in_use()->reader()->find(id);
    REQUIRE(found);
    if (!found.value())
      return request_error{request_error::code_type::not_found, "no such job",
                           id};
    return std::move(*found.value());
  }

  page_reply list(const job_query& q) {
    auto page = store_in_use()->reader()->list(q);
    REQUIRE(page);
    return std::move(page).value();
  }

  /// A cancel, requeue or purge as the runtime sends it: with the job as
  /// the store holds it now.
  template <class Atom>
  job_reply change(Atom atom, job_id id) {
    auto found = store_in_use()->reader()->find(id);
    REQUIRE(found);
    return ask<job_reply>(atom, id, std::move(found).value());
  }

  /// The supervisor's counters, with the store's counts per state.
  runtime_stats stats() {
    auto s = ask<runtime_stats>(atoms::stats::value);
    auto counts = store_in_use()->reader()->count_by_state();
    REQUIRE(counts);
    s.jobs = counts.value();
    return s;
  }

  void reply_late(job_id id, std::int32_t attempt, job_result result) {
    caf::anon_send(handler, reply_atom::value, id, attempt, std::move(result));
    run();
  }

  std::shared_ptr<handler_registry> registry =
      std::make_shared<handler_registry>();
  std::shared_ptr<memory_store> store = std::make_shared<memory_store>();
  /// Replaces `store` when set.
  std::shared_ptr<job_store> other_store;
  /// False: commit through a store actor, as with a store on disk.
  bool inline_commit = true;
  std::string owner = "test-owner";
  duration stage_horizon{std::chrono::seconds(30)};
  retention_policy retention = retention_policy::keep_all();
  /// Callable handlers run on `pool`, a manual-mode pool the test drives
  /// with run_queued (see with_manual_pool); worker_threads is the number
  /// of threads the supervisor believes it has.
  std::shared_ptr<worker_pool> pool;
  std::size_t worker_threads = 0;
  std::size_t handoff_per_thread = 2;

  /// Gives the supervisor a manual pool that counts as `threads` threads;
  /// its attempts start on the clock of this fixture.
  void with_manual_pool(std::size_t threads) {
    worker_threads = threads;
    pool = std::make_shared<worker_pool>(
        0, quiet_logger(), nullptr,
        worker_pool_options{[c = clock] { return c->now(); }, registry});
  }

  /// Registers `type` to a callable handler, run on the pool.
  void handle_callable(const std::string& type, job_handler fn,
                       job_type_options options = with_policy(retry_policy{})) {
    auto added = registry->add(type, std::move(fn), std::move(options));
    REQUIRE(added);
  }

  std::shared_ptr<job_store> store_in_use() const {
    return other_store ? other_store : store;
  }
  std::shared_ptr<handler_log> log = std::make_shared<handler_log>();
  scripted_handler handler;
  timer_actor timer;
  supervisor_actor supervisor;
};

/// A spec of `type` with nothing else set.
inline job_spec spec_of(std::string type) {
  job_spec s;
  s.type = std::move(type);
  return s;
}

/// A retry policy without jitter, so delays are exact.
inline retry_policy exact_policy(std::int32_t max_attempts,
                                 backoff b = fixed_backoff{
                                     std::chrono::seconds(1)}) {
  retry_policy p;
  p.max_attempts = max_attempts;
  p.backoff = std::move(b);
  return p;
}

} // namespace jobrt::testing
