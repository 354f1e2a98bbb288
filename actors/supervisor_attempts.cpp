#include "jobrt/actors/supervisor_state.hpp"

namespace jobrt::detail {

// -- changes ----------------------------------------------------------------------

result<void, transition_error>
supervisor_state::apply(job_entry& entry, const job_event& ev,
                        const job_error* error) {
  auto next = apply_event(entry.record, ev, now());
  if (!next)
    return next.error();
  auto from = entry.record.state;
  entry.record = std::move(next).value();
  set_.mark_dirty(entry);
  note_change(entry.record, from, error, current_);
  return outcome::success();
}

void supervisor_state::note_change(const job& r, std::optional<job_state> from,
                                   const job_error* error, held_turn& where) {
  if (r.state == job_state::cancelled && from != job_state::cancelled)
    ++outcomes_.cancelled;
  if (setup_.log->should_log(spdlog::level::debug))
    setup_.log->debug("job {} ({}): {} -> {}, attempt {}", r.id, r.type,
                      from ? to_string(*from) : std::string_view{"new"},
                      to_string(r.state), r.attempt);
  if (subscribers_.empty())
    return;
  where.events.jobs.push_back(job_transition_event{
      r.id, r.type, r.queue, from, r.state, r.attempt, r.updated_at,
      error != nullptr ? std::optional<job_error>{*error} : std::nullopt});
}

bool supervisor_state::held_for_deadline(time_point at) const {
  return to_ms(at) <= std::max(staged_run_at_, planned_until_);
}

/// After a change that leaves an entry without a running attempt: a job
/// that waits for a deadline within the horizon stays armed; a pending one
/// is placed at the end of the turn; anything else (finished, or waiting
/// beyond the horizon) leaves once its write is durable.
void supervisor_state::settle_place(job_entry& entry) {
  const auto& r = entry.record;
  switch (r.state) {
    case job_state::pending:
      entry.leaving = false;
      ready_.push_back(r.id);
      return;
    case job_state::scheduled:
    case job_state::retrying:
      if (entry.lingering != 0 ||
          (!shared_store_ && held_for_deadline(r.run_at))) {
        entry.leaving = false;
        arm(entry, r.run_at);
        return;
      }
      if (shared_store_)
        expect_due(r.run_at);
      break;
    default: break;
  }
  disarm(entry);
  entry.leaving = true;
}

void supervisor_state::arm(job_entry& entry, time_point at) {
  entry.armed = at;
  fx_->timer_commands.push_back(
      {make_deadline_key(deadline_kind::job,
                         static_cast<std::uint64_t>(entry.record.id)),
       at});
}

void supervisor_state::disarm(job_entry& entry) {
  if (!entry.armed)
    return;
  entry.armed.reset();
  fx_->timer_commands.push_back(
      {make_deadline_key(deadline_kind::job,
                         static_cast<std::uint64_t>(entry.record.id)),
       std::nullopt});
}
// -- attempts ---------------------------------------------------------------------

void supervisor_state::start_attempt(job_entry& entry) {
  bool probe = false;
  if (!gate_->occupy(entry.record, probe)) {
    entry.leaving = true;
    return;
  }
  if (auto started = apply(entry, dispatch_event()); !started) {
    gate_->vacate(entry.record);
    if (started.error().code == transition_error::code_type::not_due) {
      // Its run_at lies ahead of the clock (the wall clock stepped back
      // since it was written): it waits for its time, armed.
      setup_.log->info("job {} ({}): not due for {} ms; armed for its run_at",
                       entry.record.id, entry.record.type,
                       to_ms(entry.record.run_at) - to_ms(now()));
      arm(entry, entry.record.run_at);
      return;
    }
    setup_.log->error("supervisor: cannot dispatch: {}",
                      started.error().message());
    entry.leaving = true;
    return;
  }
  entry.running = true;
  entry.probe = probe;
  entry.leaving = false;
  ++outcomes_.attempts_started;
  arm(entry, saturating_add(now(), entry.record.timeout));
  auto* saved = fx_;
  fx_ = &current_; // its dispatch must be durable before it runs
  hand_out(entry);
  fx_ = saved;
}

void supervisor_state::hand_out(job_entry& entry) {
  const auto* reg = registration(entry.record);
  if (const auto* fn = std::get_if<job_handler>(&reg->handler))
    fx_->to_pool.push_back(
        work_item{entry.record, fn, std::chrono::steady_clock::now()});
  else
    fx_->to_actors.emplace_back(std::get<handler_actor>(reg->handler),
                                entry.record);
}

void supervisor_state::stop_attempt(job_entry& entry) {
  const auto& r = entry.record;
  if (!runs_on_actor(r)) {
    if (pool_)
      pool_->request_stop(r.id, r.attempt);
    entry.lingering = r.attempt;
    return;
  }
  self_->send(std::get<handler_actor>(registration(r)->handler),
              atoms::stop::value, r.id, r.attempt);
}

/// The attempt no longer holds its slots: it returned, or it ran on an
/// actor that holds no thread of ours.
void supervisor_state::vacate(job_entry& entry) {
  if (!entry.running)
    return;
  entry.running = false;
  gate_->vacate(entry.record);
  claim_wanted_ = true;
}
// -- attempt outcomes -------------------------------------------------------------

void supervisor_state::on_result(job_id id, std::int32_t attempt,
                                 job_result result, bool ran) {
  auto* entry = set_.find(id);
  if (entry != nullptr && entry->lingering == attempt) {
    // A given-up attempt came back from its thread: its slot is free, and
    // a deadline that came meanwhile is due now.
    entry->lingering = 0;
    vacate(*entry);
    if (entry->quarantined) {
      set_.forget(id);
      return;
    }
    if (std::exchange(entry->parked, false))
      on_deadline(*entry);
    else if (entry->record.state == job_state::pending)
      ready_.push_back(id);
    else if (entry->leaving && entry->sealed_seq == 0 && !entry->dirty)
      set_.forget(id);
    entry = set_.find(id);
    if (entry == nullptr || entry->record.attempt != attempt ||
        entry->record.state != job_state::processing) {
      ++outcomes_.stale_replies;
      return;
    }
  }
  if (entry == nullptr || entry->record.state != job_state::processing ||
      entry->record.attempt != attempt || entry->quarantined) {
    ++outcomes_.stale_replies;
    setup_.log->debug("job {}: discarded the reply of stale attempt {}", id,
                      attempt);
    return;
  }
  vacate(*entry);
  disarm(*entry);
  if (!ran) {
    // Never started: its attempt did not happen, so it does not count.
    if (apply(*entry, events::release{attempt}))
      ++outcomes_.released;
    settle_place(*entry);
    return;
  }
  if (draining_)
    ++shutdown_report_.finished_in_grace;
  if (!result) {
    // A handler's text is bounded here, so no failure can make a record
    // the store refuses.
    fail_attempt(*entry, bound_error(std::move(result).error()));
    return;
  }
  report_outcome(*entry, call_outcome::success);
  ++outcomes_.succeeded;
  auto output = std::move(result).value().data;
  if (output.size() > setup_.store->max_payload_bytes()) {
    // The work is done; only its output cannot be kept.
    setup_.log->error("job {}: the output of attempt {} has {} bytes, over "
                      "the store's limit; completed without output",
                      id, attempt, output.size());
    output.clear();
  }
  if (auto done = apply(*entry, events::success{attempt, std::move(output)});
      !done)
    setup_.log->error("supervisor: {}", done.error().message());
  settle_place(*entry);
}

void supervisor_state::fail_attempt(job_entry& entry, const job_error& error) {
  auto& r = entry.record;
  const auto* reg = registration(r);
  auto decision = decide_retry(reg != nullptr ? reg->options.retry
                                              : retry_policy{},
                               r.attempt, r.max_attempts, error, random_);
  count_failure(error.kind);
  report_outcome(entry, outcome_of(error.kind));
  auto attempt = r.attempt;
  if (auto failed = apply(entry, events::failure{attempt, error, decision.delay},
                          &error);
      !failed) {
    setup_.log->error("supervisor: {}", failed.error().message());
    return;
  }
  if (r.state == job_state::retrying) {
    ++outcomes_.retries_scheduled;
    setup_.log->info("job {} ({}) attempt {} failed ({} {}: {}); retry at +{} ms",
                     r.id, r.type, attempt, to_string(error.kind), error.code,
                     error.message, decision.delay->count());
  } else if (r.state == job_state::dead) {
    ++outcomes_.dead_lettered;
    setup_.log->warn("job {} ({}) is dead after attempt {}: {} {}: {} ({})",
                     r.id, r.type, attempt, to_string(error.kind), error.code,
                     error.message, to_string(decision.reason));
  }
  settle_place(entry);
}

void supervisor_state::on_deadline(job_entry& entry) {
  switch (entry.record.state) {
    case job_state::scheduled:
    case job_state::retrying:
      if (entry.lingering != 0) {
        entry.parked = true; // due once its last attempt leaves its thread
        return;
      }
      if (apply(entry, events::due{}))
        ready_.push_back(entry.record.id);
      return;
    case job_state::pending:
      ready_.push_back(entry.record.id); // refused as not due before
      return;
    case job_state::processing: on_attempt_deadline(entry); return;
    default: return;
  }
}

/// An attempt's deadline was armed at dispatch + timeout. An attempt on
/// the pool may have waited for a thread since: its limit counts from the
/// start of its handler, so a deadline that came early is moved.
void supervisor_state::on_attempt_deadline(job_entry& entry) {
  const auto& r = entry.record;
  if (pool_ && !runs_on_actor(r)) {
    auto where = pool_->phase_of(r.id, r.attempt);
    switch (where.phase) {
      case attempt_phase::kind::queued:
      case attempt_phase::kind::absent:
        // Not started yet, or finished with its result on the way: look
        // again a whole timeout later (the result disarms it).
        arm(entry, saturating_add(now(), r.timeout));
        return;
      case attempt_phase::kind::running:
        if (auto due = saturating_add(where.since, r.timeout); due > now()) {
          arm(entry, due);
          return;
        }
        break;
    }
  }
  ++outcomes_.timed_out;
  stop_attempt(entry);
  if (entry.lingering == 0)
    vacate(entry); // an actor holds no thread of ours
  fail_attempt(entry, job_error::timeout("the attempt ran over its " +
                                         std::to_string(r.timeout.count()) +
                                         " ms timeout"));
}

void supervisor_state::report_outcome(const job_entry& entry,
                                      call_outcome outcome) {
  const auto* reg = registration(entry.record);
  if (reg == nullptr || !reg->options.breaker)
    return;
  const auto& r = entry.record;
  if (entry.probe && outcome == call_outcome::ignored_failure)
    gate_->give_back_probe(r.breaker_key); // it told nothing
  if (!current_.reports.empty()) {
    auto& last = current_.reports.back();
    if (last.outcome == outcome && last.probe == entry.probe &&
        last.key == r.breaker_key && last.type == r.type) {
      ++last.count;
      return;
    }
  }
  current_.reports.push_back(
      breaker_report{r.breaker_key, r.type, outcome, 1, entry.probe});
}

void supervisor_state::count_failure(error_kind kind) {
  switch (kind) {
    case error_kind::permanent: ++outcomes_.failed_permanent; break;
    case error_kind::transient: ++outcomes_.failed_transient; break;
    case error_kind::timeout:     // counted when the deadline fired
    case error_kind::abandoned: break;
  }
}

} // namespace jobrt::detail
