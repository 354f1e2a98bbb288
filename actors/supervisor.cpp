#include "jobrt/actors/supervisor_state.hpp"

namespace jobrt::detail {

namespace {

std::vector<type_rule> type_rules(const handler_registry& registry) {
  std::vector<type_rule> rules;
  for (const auto& [type, reg] : registry.types())
    rules.push_back(type_rule{type, reg.options.concurrency,
                              std::holds_alternative<job_handler>(reg.handler)});
  return rules;
}

} // namespace

// -- set-up -------------------------------------------------------------------

void supervisor_state::init(pointer self, supervisor_setup setup) {
  self_ = self;
  setup_ = std::move(setup);
  random_ = seeded_unit_random(setup_.jitter_seed);
  pool_ = setup_.pool;
  if (pool_) {
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
    pool_->set_results_ready([weak] {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<supervisor_actor>(strong),
                       atoms::results::value);
    });
  }
  gate_limits limits;
  limits.max_in_flight = setup_.max_in_flight;
  limits.pool_capacity =
      setup_.worker_threads * std::max<std::size_t>(setup_.handoff_per_thread, 1);
  limits.queue_concurrency = setup_.queue_concurrency;
  gate_ = std::make_unique<dispatch_gate>(type_rules(*setup_.registry), limits);
  self->send(setup_.timer, atoms::listen::value, deadline_kind::job,
             caf::actor_cast<deadline_listener>(self));
  breaker_ = spawn_circuit_breaker(self->system(), setup_.registry,
                                   setup_.timer,
                                   caf::actor_cast<breaker_listener>(self),
                                   setup_.clock, setup_.log);
  self->link_to(breaker_);
  if (!setup_.inline_commit) {
    store_ = spawn_store_actor(self->system(), setup_.store,
                               caf::actor_cast<commit_listener>(self),
                               setup_.log);
    self->link_to(store_);
  }
  shared_store_ = setup_.store->shared();
  if (shared_store_) {
    poll_jitter_ = seeded_unit_random(setup_.jitter_seed ^ 0x9011u);
    stage_wanted_ = false;
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
    setup_.store->on_wake([weak] {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<supervisor_actor>(strong),
                       atoms::wake::value);
    });
  }
  // The first turn rescues what a previous owner left running, claims
  // ready jobs and stages the ones coming due: no load, whatever the size
  // of the store.
  begin_turn();
  finish_turn();
  if (setup_.retention.any())
    self_->delayed_send(self_, setup_.retention.interval, atoms::prune::value);
  if (!shared_store_)
    self_->delayed_send(self_, setup_.stage_horizon / 2, atoms::stage::value);
  self_->delayed_send(self_, next_poll(), atoms::poll::value);
}

/// Another node enqueued or freed jobs, or a job this runtime let go came
/// due: claim now rather than at the next poll. A burst of wake-ups costs
/// one claim per turn.
void supervisor_state::on_wake() {
  const auto t = to_ms(now());
  while (!due_alarms_.empty() && due_alarms_.top() <= t)
    due_alarms_.pop();
  if (alarm_at_ <= t)
    alarm_at_ = INT64_MAX; // this is it, or it has fired
  if (!due_alarms_.empty() && due_alarms_.top() < alarm_at_) {
    alarm_at_ = due_alarms_.top();
    self_->delayed_send(self_, duration{alarm_at_ - t}, atoms::wake::value);
  }
  gate_->assume_backlog();
  claim_wanted_ = true;
}

void supervisor_state::expect_due(time_point at) {
  // Beyond the horizon, or past the cap, the next poll finds it in time.
  if (at > saturating_add(now(), setup_.stage_horizon) ||
      due_alarms_.size() >= setup_.max_staged)
    return;
  due_alarms_.push(to_ms(at));
  if (to_ms(at) < alarm_at_) {
    alarm_at_ = to_ms(at);
    self_->delayed_send(self_, std::max(at - now(), duration::zero()),
                        atoms::wake::value);
  }
}

duration supervisor_state::next_poll() {
  if (!poll_jitter_)
    return setup_.poll_interval;
  // ±20 %, so that nodes which started together do not poll in step.
  auto spread = 0.8 + 0.4 * poll_jitter_();
  return std::chrono::duration_cast<duration>(setup_.poll_interval * spread);
}

supervisor_state::~supervisor_state() {
  if (shared_store_ && setup_.store)
    setup_.store->on_wake({});
  // Its owner (the runtime) joins it, with the patience it chose.
  if (pool_)
    pool_->stop();
}
// -- turns ----------------------------------------------------------------------
//
// A turn changes its working set at once, but its effects wait in a
// held_turn until the store has made the turn's batch durable. Turns are
// sealed in order and take effect strictly in that order. With a store
// actor the supervisor goes on with the next turns while the store writes.
//
// A failed commit loses every turn sealed so far (commit_queue.hpp): their
// new jobs are refused (store_failure), their writes are rewound to what
// the store holds and written again, and their other effects wait for that
// rewrite. Until one works the supervisor is degraded: it seals only on a
// retry timer whose delay grows to 5 s.

void supervisor_state::finish_turn(bool force_seal) {
  do {
    more_ = false;
    place_ready();
    // A claim on its way may still bring attempts to give back.
    if (draining_ && !shut_down_ && gate_->running() == 0 &&
        !claim_in_flight_)
      release_all();
    if (commits_.degraded() && !force_seal) {
      if (shut_down_)
        answer_shutdown_undurable();
      return;
    }
    const bool force_seal_now = std::exchange(force_seal, false);
    plan_store_work();
    seal_turn(force_seal_now);
    held_peak_ = std::max<std::uint64_t>(held_peak_, set_.size());
  } while (more_);
}

/// Every pending job the turn holds starts now, if its lane admits it and
/// no older ready job of its type waits in the store; otherwise it is
/// written pending and left to the store, where a claim finds it in order.
void supervisor_state::place_ready() {
  for (auto id : std::exchange(ready_, {})) {
    auto* entry = set_.find(id);
    if (entry == nullptr || entry->record.state != job_state::pending ||
        entry->quarantined)
      continue;
    if (entry->lingering != 0)
      continue; // waits for the attempt still on its thread (on_result)
    if (!draining_ && gate_->may_start_now(entry->record)) {
      start_attempt(*entry);
      continue;
    }
    entry->leaving = true;
    gate_->note_backlog(entry->record.type);
    claim_wanted_ = true;
  }
}

events::dispatch supervisor_state::dispatch_event() const {
  // One owner per start; SQLite's single owner needs no lease (it rescues
  // everything a previous owner left at its next start).
  return events::dispatch{setup_.owner, std::nullopt};
}

void supervisor_state::plan_store_work() {
  if (rescue_wanted_ && !rescue_in_flight_) {
    current_.rescue = true;
    rescue_wanted_ = false;
    rescue_in_flight_ = true;
  }
  if (claim_wanted_ && !claim_in_flight_ && !draining_) {
    claim_wanted_ = false;
    if (auto plan = gate_->plan_claim(setup_.owner, now(), std::nullopt)) {
      // In a shared store a claim may meet a waiting job this runtime still
      // holds, for an attempt that lingers on its thread: not that one.
      if (shared_store_)
        set_.for_each([&](const job_entry& e) {
          if (e.lingering != 0)
            plan->exclude.push_back(e.record.id);
        });
      gate_->reserve(*plan);
      current_.claim = std::move(plan);
      claim_in_flight_ = true;
    }
  }
  if (stage_wanted_ && !stage_in_flight_ && set_.size() < setup_.max_staged) {
    current_.stage = true;
    stage_wanted_ = false;
    stage_in_flight_ = true;
    planned_until_ = std::max(planned_until_,
                              to_ms(saturating_add(now(), setup_.stage_horizon)));
  }
  if (purge_wanted_ && !purge_in_flight_) {
    current_.purge = true;
    purge_wanted_ = false;
    purge_in_flight_ = true;
  }
  if (commands_wanted_ && !commands_in_flight_) {
    current_.commands = true;
    commands_wanted_ = false;
    commands_in_flight_ = true;
  }
}

/// `retry`: the write after a failed one, sealed even when empty, so the
/// turns that wait for it learn whether the store works again.
void supervisor_state::seal_turn(bool retry) {
  store_batch batch;
  auto seq = commits_.sealed() + 1;
  set_.seal(seq, batch.writes, batch.removals, current_.written);
  batch.inserts.reserve(current_.inserts.size());
  for (auto& n : current_.inserts)
    batch.inserts.push_back(n.what == new_job::plan::store
                                ? std::move(n.record)
                                : n.record);
  if (current_.claim)
    batch.claims.push_back(*current_.claim);
  if (current_.rescue)
    batch.rescue = rescue_request{setup_.owner, now(), setup_.store_page};
  if (current_.stage)
    batch.stage = stage_request{saturating_add(now(), setup_.stage_horizon),
                                staged_run_at_, staged_id_, setup_.store_page};
  if (current_.purge)
    batch.purge = purge_request{now(), setup_.retention.completed,
                                setup_.retention.dead,
                                setup_.retention.cancelled, setup_.store_page};
  batch.take_commands = current_.commands;
  current_.wrote = retry || !batch.empty();
  if (current_.wrote) {
    commits_.seal();
    batch.epoch = commits_.epoch();
  }
  current_.needs = commits_.sealed();
  held_.push_back(std::exchange(current_, held_turn{}));
  if (!held_.back().wrote) {
    release_durable();
    return;
  }
  if (store_) {
    self_->send(store_, atoms::commit::value, seq, std::move(batch));
    return;
  }
  commit_inline(seq, batch);
}

void supervisor_state::commit_inline(std::uint64_t seq, store_batch& batch) {
  auto epoch = batch.epoch;
  auto written = setup_.store->commit(batch);
  commit_report report{seq, epoch, std::nullopt, {}};
  if (written)
    report.receipt = std::move(written).value();
  else
    report.failure = written.error();
  on_report(report);
}
supervisor_actor::behavior_type supervisor_state::behavior() {
  return {
      [this](atoms::enqueue, const job_specs& specs) {
        begin_turn();
        return enqueue(specs);
      },
      [this](atoms::stats) { return stats(); },
      [this](atoms::stats, atoms::commit) {
        auto promise = self_->make_response_promise<store_stats>();
        if (!store_) {
          promise.deliver(store_stats{});
          return promise;
        }
        self_->request(store_, caf::infinite, atoms::stats::value)
            .then([promise](store_stats& s) mutable { promise.deliver(s); },
                  [promise](caf::error& err) mutable { promise.deliver(err); });
        return promise;
      },
      [this](atoms::cancel, job_id id, stored_job& stored) {
        begin_turn();
        return change_job(id, std::move(stored), &supervisor_state::cancel);
      },
      [this](atoms::requeue, job_id id, stored_job& stored) {
        begin_turn();
        return change_job(id, std::move(stored), &supervisor_state::requeue);
      },
      [this](atoms::purge, job_id id, stored_job& stored) {
        begin_turn();
        return change_job(id, std::move(stored), &supervisor_state::purge);
      },
      [this](atoms::subscribe, event_listener listener) {
        subscribers_.push_back(std::move(listener));
      },
      [this](atoms::shutdown, duration grace) {
        begin_turn();
        // Any grace is accepted; a delayed message needs one that fits.
        grace = std::clamp<duration>(grace, duration::zero(), max_grace);
        auto waiter = self_->make_response_promise<shutdown_report>();
        if (shut_down_ && commits_.degraded()) {
          waiter.deliver(shutdown_report_);
          return waiter;
        }
        if (shut_down_) {
          // Answered once what the first shutdown wrote is durable.
          current_.replies.emplace_back([this, waiter]() mutable {
            waiter.deliver(shutdown_report_);
          });
          finish_turn();
          return waiter;
        }
        shutdown_waiters_.push_back(waiter);
        if (!draining_) {
          draining_ = true;
          setup_.log->info("supervisor: shutting down, {} attempts out, "
                           "grace {} ms",
                           gate_->running(), grace.count());
          self_->delayed_send(self_, grace, atoms::grace::value);
        }
        finish_turn();
        return waiter;
      },
      [this](atoms::grace) {
        begin_turn();
        if (!shut_down_)
          release_all();
        finish_turn();
      },
      [this](atoms::committed, commit_report& report) {
        begin_turn();
        on_report(report);
        finish_turn();
      },
      [this](atoms::recommit) {
        begin_turn();
        retry_pending_ = false;
        finish_turn(true);
      },
      [this](atoms::prune) {
        begin_turn();
        purge_wanted_ = true;
        finish_turn();
        self_->delayed_send(self_, setup_.retention.interval,
                            atoms::prune::value);
      },
      [this](atoms::stage) {
        begin_turn();
        stage_wanted_ = true;
        finish_turn();
        self_->delayed_send(self_, setup_.stage_horizon / 2,
                            atoms::stage::value);
      },
      [this](atoms::poll) {
        begin_turn();
        gate_->assume_backlog();
        claim_wanted_ = true;
        commands_wanted_ = true;
        rescue_wanted_ = rescue_wanted_ || shared_store_;
        finish_turn();
        self_->delayed_send(self_, next_poll(), atoms::poll::value);
      },
      [this](atoms::wake) {
        begin_turn();
        on_wake();
        finish_turn();
      },
      [this](atoms::fired, const std::vector<std::uint64_t>& ids) {
        begin_turn();
        auto t = now();
        for (auto id : ids) {
          auto* entry = set_.find(static_cast<job_id>(id));
          if (entry == nullptr || !entry->armed || t < *entry->armed ||
              entry->quarantined)
            continue; // moved or cancelled while the timer fired
          entry->armed.reset();
          on_deadline(*entry);
        }
        finish_turn();
      },
      [this](const breaker_update& update) {
        begin_turn();
        on_breaker_update(update);
        finish_turn();
      },
      [this](atoms::results) {
        if (!pool_)
          return;
        begin_turn();
        pool_->take_results(results_);
        for (auto& r : results_)
          on_result(r.id, r.attempt, std::move(r.result), r.ran);
        results_.clear();
        finish_turn();
      },
  };
}

} // namespace jobrt::detail

namespace jobrt {

supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  supervisor_setup setup) {
  using detail::supervisor_state;
  auto body = [](supervisor_state::pointer self, supervisor_setup s)
      -> supervisor_actor::behavior_type {
    self->state.init(self, std::move(s));
    return self->state.behavior();
  };
  return sys.spawn(body, std::move(setup));
}

} // namespace jobrt
