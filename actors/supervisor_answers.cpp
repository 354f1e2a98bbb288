#include "jobrt/actors/supervisor_state.hpp"

namespace jobrt::detail {

// -- the store's answers ----------------------------------------------------------

void supervisor_state::on_report(commit_report& report) {
  switch (commits_.on_answer(report.seq, report.epoch,
                             report.failure.has_value())) {
    case commit_queue::verdict::stale: return;
    case commit_queue::verdict::failed: on_failed(*report.failure); return;
    case commit_queue::verdict::durable: break;
  }
  if (last_failure_ && !commits_.degraded()) {
    last_failure_.reset();
    setup_.log->warn("supervisor: the store works again; resuming");
  }
  report_ = &report;
  inserted_at_ = 0;
  claimed_at_ = 0;
  refused_.clear();
  for (const auto& r : report.receipt.refused) {
    refused_.insert(r.id);
    on_refused(r);
  }
  held_turn released;
  fx_ = &released;
  release_durable();
  fx_ = &current_;
  report_ = nullptr;
  take_effect(released);
  more_ = true;
}

void supervisor_state::on_failed(const store_error& failure) {
  last_failure_ = failure;
  setup_.log->error("supervisor: changes up to turn {} are not durable ({}); "
                    "holding their effects and writing again",
                    commits_.sealed(), describe(failure));
  bool rewrites = false;
  for (auto& turn : held_)
    rewrites = take_back(turn) || rewrites;
  if (rewrites) {
    schedule_retry_commit();
  } else {
    // Only new jobs were lost, and they are refused: nothing waits.
    commits_.forgive();
    for (auto& turn : held_)
      turn.needs = std::min(turn.needs, commits_.settled());
  }
  release_durable();
}

/// A lost turn: its new jobs never existed (their enqueues are refused
/// now), its writes are written again from what the store holds, and what
/// it asked for (claim, stage, ...) is asked again. Its other effects wait
/// for the rewrite: they take effect once the next seal is durable. True if
/// it wrote changes that must be written again.
bool supervisor_state::take_back(held_turn& turn) {
  if (!turn.wrote)
    return false;
  const bool rewrites = !turn.written.empty();
  for (const auto& w : turn.written)
    set_.rewind(w.id, turn.needs);
  turn.written.clear();
  for (auto& n : turn.inserts) {
    if (n.what == new_job::plan::start)
      gate_->vacate(n.record);
    turn.enqueues[n.reply].results[n.slot] =
        refusal(request_error::code_type::store_failure,
                "the store could not commit the enqueue: " +
                    describe(*last_failure_));
  }
  turn.inserts.clear();
  for (auto& reply : turn.enqueues)
    answer_enqueue(reply);
  turn.enqueues.clear();
  if (turn.claim) {
    gate_->settle(*turn.claim, nullptr);
    turn.claim.reset();
    claim_in_flight_ = false;
    claim_wanted_ = true;
  }
  if (std::exchange(turn.rescue, false)) {
    rescue_in_flight_ = false;
    rescue_wanted_ = true;
  }
  if (std::exchange(turn.stage, false)) {
    stage_in_flight_ = false;
    stage_wanted_ = !shared_store_;
  }
  if (std::exchange(turn.purge, false)) {
    purge_in_flight_ = false;
    purge_wanted_ = true;
  }
  if (std::exchange(turn.commands, false)) {
    commands_in_flight_ = false; // rolled back: they wait in the store
    commands_wanted_ = true;
  }
  turn.wrote = false;
  turn.needs = commits_.sealed() + 1;
  return rewrites;
}

void supervisor_state::schedule_retry_commit() {
  if (retry_pending_)
    return;
  retry_pending_ = true;
  self_->delayed_send(self_, commits_.next_retry_delay(),
                      atoms::recommit::value);
}

void supervisor_state::release_durable() {
  while (!held_.empty() && held_.front().needs <= commits_.settled()) {
    auto turn = std::move(held_.front());
    held_.pop_front();
    if (turn.wrote)
      absorb(turn);
    take_effect(turn);
  }
  if (held_.empty())
    dropped_.clear();
}

/// Matches the answer to one durable turn: what became of its writes, its
/// new jobs, and what its claim, stage, rescue, purge and take of commands
/// found.
void supervisor_state::absorb(held_turn& turn) {
  auto& receipt = report_->receipt;
  for (const auto& w : turn.written)
    if (refused_.count(w.id) == 0)
      set_.settle(w, turn.needs);
  for (auto& n : turn.inserts)
    settle_insert(n, receipt.inserted.at(inserted_at_++), turn);
  if (turn.claim) {
    auto& outcome = receipt.claimed.at(claimed_at_++);
    gate_->settle(*turn.claim, &outcome);
    claim_in_flight_ = false;
    // A full claim may leave more behind; an empty one waits for a change
    // (a free slot, a breaker) instead of asking again at once.
    if (!outcome.jobs.empty() && !outcome.more.empty())
      claim_wanted_ = true;
    for (auto& j : outcome.jobs)
      take_claimed(std::move(j));
  }
  if (turn.rescue) {
    rescue_in_flight_ = false;
    rescue_wanted_ = receipt.rescued.size() >= setup_.store_page;
    take_rescued(receipt.rescued);
  }
  if (turn.stage) {
    stage_in_flight_ = false;
    take_staged(receipt.staged);
  }
  if (turn.purge) {
    purge_in_flight_ = false;
    outcomes_.pruned += receipt.purged;
    purge_wanted_ = receipt.purged >= setup_.store_page;
  }
  if (turn.commands) {
    commands_in_flight_ = false;
    take_commands(receipt.commands);
  }
}

void supervisor_state::settle_insert(new_job& n, const insert_outcome& outcome,
                                     held_turn& turn) {
  auto& answer = turn.enqueues[n.reply].results[n.slot];
  if (outcome.refused || outcome.existing) {
    if (n.what == new_job::plan::start) {
      gate_->vacate(n.record);
      claim_wanted_ = true;
    }
    if (outcome.refused) {
      ++outcomes_.quarantined;
      setup_.log->error("supervisor: the store refused a new {} job: {}",
                        n.record.type, describe(*outcome.refused));
      answer = refusal(request_error::code_type::store_failure,
                       "the store refused the job's record: " +
                           describe(*outcome.refused));
    } else {
      answer = enqueued{outcome.id, true};
    }
    return;
  }
  answer = enqueued{outcome.id, false};
  n.record.id = outcome.id;
  if (!subscribers_.empty()) {
    auto first = n.record;
    if (n.what == new_job::plan::start) {
      first.state = job_state::pending;
      first.attempt -= 1;
    }
    note_change(first, std::nullopt, nullptr, *fx_);
    if (n.what == new_job::plan::start)
      note_change(n.record, job_state::pending, nullptr, *fx_);
  }
  if (n.what == new_job::plan::store)
    return;
  auto& entry = set_.adopt(std::move(n.record));
  if (n.what == new_job::plan::hold) {
    arm(entry, entry.record.run_at);
    return;
  }
  entry.running = true;
  entry.probe = n.probe;
  ++outcomes_.attempts_started;
  arm(entry, saturating_add(now(), entry.record.timeout));
  hand_out(entry);
}

void supervisor_state::take_claimed(job record) {
  // An earlier attempt of it may still hold a worker thread (it timed out,
  // then an operator requeued it): no second attempt until it returns.
  std::int32_t lingering = 0;
  if (const auto* held = set_.find(record.id))
    lingering = held->lingering;
  // The claim may come in the same answer that refused a write of the
  // record it replaces (a shared store's claim took it back when due):
  // what was dropped were that record's effects, not this attempt's.
  dropped_.erase(record.id);
  auto& entry = set_.adopt(std::move(record));
  entry.lingering = lingering;
  const auto& r = entry.record;
  bool probe = false;
  if (draining_ || lingering != 0 || !gate_->occupy(r, probe)) {
    // Shutting down, its last attempt still out, or its breaker opened
    // while the claim was on its way: given back, that attempt not counted.
    (void) apply(entry, events::release{r.attempt});
    settle_place(entry);
    return;
  }
  entry.running = true;
  entry.probe = probe;
  ++outcomes_.attempts_started;
  if (!subscribers_.empty())
    note_change(r, job_state::pending, nullptr, *fx_);
  arm(entry, saturating_add(now(), r.timeout));
  hand_out(entry);
}

void supervisor_state::take_staged(std::vector<job>& staged) {
  for (auto& record : staged) {
    staged_run_at_ = to_ms(record.run_at);
    staged_id_ = record.id;
    if (set_.find(record.id) != nullptr)
      continue; // held already (enqueued or retried within the horizon)
    auto& entry = set_.adopt(std::move(record));
    arm(entry, entry.record.run_at);
  }
  if (staged.size() >= setup_.store_page) {
    stage_wanted_ = !shared_store_; // more within the horizon
  } else {
    staged_run_at_ = std::max(staged_run_at_, planned_until_);
    staged_id_ = INT64_MAX;
  }
}

/// Attempts whose owner went away (for SQLite: every processing row at
/// start) count as failed attempts of kind abandoned.
void supervisor_state::take_rescued(std::vector<job>& rescued) {
  if (!rescued.empty())
    setup_.log->warn("supervisor: {} attempts were running when their owner "
                     "stopped (or stopped being heard from); failing them as "
                     "abandoned",
                     rescued.size());
  for (auto& record : rescued) {
    if (set_.find(record.id) != nullptr)
      continue;
    auto& entry = set_.adopt(std::move(record));
    fail_attempt(entry, job_error::abandoned(
                            shared_store_ ? "its owner " + entry.record.owner +
                                                " stopped heartbeating"
                                          : "found running at start-up"));
  }
}

/// What operators posted for this runtime (jobctl beside a running
/// runtime): each runs as the runtime's own request would, on the job as
/// held. A job this runtime does not hold runs no attempt here: it finished
/// meanwhile, or it waits in the store, where the operator's fenced writes
/// reach it without a command.
void supervisor_state::take_commands(
    const std::vector<operator_command>& commands) {
  for (const auto& c : commands) {
    auto* entry = set_.find(c.id);
    if (entry == nullptr || entry->quarantined) {
      setup_.log->debug("job {}: operator {} ignored; this runtime does not "
                        "hold the job",
                        c.id, to_string(c.kind));
      continue;
    }
    switch (c.kind) {
      case operator_command::kind_type::cancel:
        setup_.log->info("job {} ({}): an operator asks to cancel it", c.id,
                         entry->record.type);
        // Refused when it finished meanwhile: nothing left to cancel.
        if (auto done = cancel(*entry); !done)
          setup_.log->debug("job {}: operator cancel ignored: {}", c.id,
                            done.error().message());
        break;
    }
  }
}

/// Whether the entry's attempt has not reached its handler yet: its
/// hand-out waits in a turn that is not durable. A refused write drops
/// that hand-out with the turn, so no result will ever come back for it.
bool supervisor_state::awaits_hand_out(const job_entry& entry) const {
  const auto& r = entry.record;
  auto same = [&](const job& handed) {
    return handed.id == r.id && handed.attempt == r.attempt;
  };
  auto in = [&](const held_turn& turn) {
    return std::any_of(turn.to_pool.begin(), turn.to_pool.end(),
                       [&](const work_item& w) { return same(w.record); }) ||
           std::any_of(turn.to_actors.begin(), turn.to_actors.end(),
                       [&](const auto& a) { return same(a.second); });
  };
  return in(current_) || std::any_of(held_.begin(), held_.end(), in);
}

void supervisor_state::on_refused(const write_refusal& r) {
  auto* entry = set_.find(r.id);
  if (entry == nullptr)
    return;
  if (r.code == write_refusal::code_type::record) {
    quarantine(*entry, r.error.value_or(store_error{}));
    return;
  }
  if (r.found && *r.found == entry->durable) {
    // The write was decided from a record this runtime has since replaced
    // by the store's own row (its claim took the job meanwhile, as in a
    // shared store, where claims also take waiting jobs that came due):
    // the store holds what the entry says, so nothing is lost or dropped.
    setup_.log->debug("job {}: a superseded write was refused ({}); the "
                      "runtime goes on from the stored row",
                      r.id, to_string(r.code));
    return;
  }
  if (r.code == write_refusal::code_type::lost_lease)
    setup_.log->warn("job {} ({}): this runtime lost its lease on it (now "
                     "{} by '{}'); its attempt stops and its result is "
                     "dropped",
                     r.id, entry->record.type,
                     r.found ? to_string(r.found->state) : "gone",
                     r.found ? r.found->owner : "");
  else
    setup_.log->warn("job {} ({}): the store refused a write ({}); another "
                     "process changed it, so this runtime lets it go",
                     r.id, entry->record.type, to_string(r.code));
  dropped_.insert(r.id);
  if (entry->running) {
    if (awaits_hand_out(*entry)) {
      vacate(*entry); // it never ran, and never will
    } else {
      stop_attempt(*entry);
      if (entry->lingering == 0)
        vacate(*entry);
    }
  }
  disarm(*entry);
  if (entry->lingering == 0)
    set_.forget(r.id);
  else
    entry->quarantined = true; // waits for its thread, then goes
}

void supervisor_state::quarantine(job_entry& entry, const store_error& why) {
  entry.quarantined = true;
  dropped_.insert(entry.record.id);
  if (entry.running && awaits_hand_out(entry))
    vacate(entry); // its dispatch was not written: it never runs
  disarm(entry);
  ++outcomes_.quarantined;
  setup_.log->error("job {} ({}): set aside, the store refuses its record "
                    "({}); this runtime no longer runs or writes it, and "
                    "the store keeps its last written state",
                    entry.record.id, entry.record.type, describe(why));
}

void supervisor_state::take_effect(held_turn& turn) {
  auto dropped = [this](job_id id) { return dropped_.count(id) != 0; };
  if (!dropped_.empty()) {
    std::erase_if(turn.to_pool,
                  [&](const work_item& w) { return dropped(w.record.id); });
    std::erase_if(turn.to_actors,
                  [&](const auto& a) { return dropped(a.second.id); });
    std::erase_if(turn.events.jobs, [&](const job_transition_event& e) {
      return dropped(e.id);
    });
  }
  if (!turn.to_pool.empty())
    pool_->submit(turn.to_pool);
  for (auto& [handler, record] : turn.to_actors) {
    auto id = record.id;
    auto attempt = record.attempt;
    // The supervisor's own deadline fires first; this bound only keeps a
    // handler that never answers from leaving a request pending forever.
    auto patience = record.timeout + std::chrono::seconds(10);
    self_->request(handler, patience, atoms::run::value, std::move(record))
        .then(
            [this, id, attempt](job_result& result) {
              begin_turn();
              on_result(id, attempt, std::move(result));
              finish_turn();
            },
            [this, id, attempt](caf::error& err) {
              begin_turn();
              on_result(id, attempt,
                        job_error::transient("handler_failed",
                                             self_->system().render(err)));
              finish_turn();
            });
  }
  if (!turn.timer_commands.empty())
    self_->send(setup_.timer, std::move(turn.timer_commands));
  if (!turn.reports.empty())
    self_->send(breaker_, atoms::report::value, std::move(turn.reports));
  if (!turn.events.jobs.empty() || !turn.events.breakers.empty())
    for (auto& subscriber : subscribers_)
      self_->send(subscriber, turn.events);
  for (auto& reply : turn.enqueues)
    answer_enqueue(reply);
  for (auto& c : turn.changes) {
    if (dropped(c.record.id))
      c.promise.deliver(job_reply{refusal(
          request_error::code_type::conflict,
          "the job changed in the store while the request was decided; "
          "nothing was changed, read it again",
          c.record.id)});
    else
      c.promise.deliver(job_reply{std::move(c.record)});
  }
  for (auto& reply : turn.replies)
    reply();
  if (turn.completes_shutdown) {
    for (auto& waiter : shutdown_waiters_)
      waiter.deliver(shutdown_report_);
    shutdown_waiters_.clear();
  }
}

void supervisor_state::answer_enqueue(enqueue_reply& reply) {
  reply.promise.deliver(std::move(reply.results));
}

/// Shutdown while the store fails: its final writes cannot be made durable
/// now, and waiting for the disk would hold the caller past any grace. What
/// the store lacks is found at the next start (running attempts are
/// rescued as abandoned), so nothing acknowledged is lost.
void supervisor_state::answer_shutdown_undurable() {
  if (shutdown_waiters_.empty())
    return;
  setup_.log->warn("supervisor: shutting down while the store fails; the "
                   "last changes are not durable and will be recovered at "
                   "the next start");
  for (auto& waiter : shutdown_waiters_)
    waiter.deliver(shutdown_report_);
  shutdown_waiters_.clear();
}

} // namespace jobrt::detail
