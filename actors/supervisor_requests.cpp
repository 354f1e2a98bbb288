#include "jobrt/actors/supervisor_state.hpp"

namespace jobrt::detail {

// -- requests -------------------------------------------------------------------

enqueue_result supervisor_state::admit(const job_spec& spec, std::size_t reply,
                                       std::size_t slot) {
  using code = request_error::code_type;
  if (draining_)
    return refusal(code::shutting_down, "the runtime is shutting down");
  if (commits_.degraded())
    return store_refusal();
  if (auto valid = validate_spec(spec); !valid)
    return refusal(code::invalid_spec, valid.error().message());
  const auto* reg = setup_.registry->find(spec.type);
  if (reg == nullptr)
    return refusal(code::unknown_job_type,
                   "no handler is registered for job type '" + spec.type +
                       "'");
  if (spec.payload.size() > setup_.store->max_payload_bytes())
    return refusal(code::too_large,
                   "the payload has " + std::to_string(spec.payload.size()) +
                       " bytes; the store accepts at most " +
                       std::to_string(setup_.store->max_payload_bytes()));
  new_job n{make_job(spec, 0, reg->defaults(), now()), new_job::plan::store,
            false, reply, slot};
  auto& r = n.record;
  if (r.state == job_state::pending && !draining_ &&
      gate_->may_start_now(r) && gate_->occupy(r, n.probe)) {
    // Written once, already processing: its attempt starts when durable.
    r = apply_event(r, dispatch_event(), now()).value();
    n.what = new_job::plan::start;
  } else if (r.state == job_state::pending) {
    gate_->note_backlog(r.type);
    claim_wanted_ = true;
  } else if (held_for_deadline(r.run_at)) {
    n.what = new_job::plan::hold;
  }
  current_.inserts.push_back(std::move(n));
  return enqueued{}; // answered when durable (settle_insert)
}

caf::typed_response_promise<enqueue_results>
supervisor_state::enqueue(const job_specs& specs) {
  auto reply_index = current_.enqueues.size();
  enqueue_reply reply{self_->make_response_promise<enqueue_results>(), {}};
  reply.results.reserve(specs.size());
  auto promise = reply.promise;
  current_.enqueues.push_back(std::move(reply));
  for (std::size_t i = 0; i < specs.size(); ++i)
    current_.enqueues[reply_index].results.push_back(
        admit(specs[i], reply_index, i));
  if (commits_.degraded()) {
    // All refused (see admit): answered now, not after the disk recovers.
    auto answered = std::move(current_.enqueues[reply_index]);
    current_.enqueues.pop_back();
    answer_enqueue(answered);
    return promise;
  }
  finish_turn();
  return promise;
}

/// An operator's change through the runtime: decided on the job as this
/// supervisor holds it, or as the caller read it from the store, and
/// written fenced on that; answered once durable.
caf::typed_response_promise<job_reply>
supervisor_state::change_job(job_id id, stored_job stored, change how) {
  auto promise = self_->make_response_promise<job_reply>();
  if (commits_.degraded()) {
    promise.deliver(job_reply{store_refusal()});
    return promise;
  }
  auto* entry = set_.find(id);
  if (entry == nullptr && stored) {
    entry = &set_.adopt(std::move(*stored));
    entry->leaving = true;
  }
  if (entry == nullptr) {
    promise.deliver(job_reply{no_such_job(id)});
    return promise;
  }
  if (entry->quarantined) {
    promise.deliver(job_reply{
        refusal(request_error::code_type::store_failure,
                "the store refuses this job's record; see the log", id)});
    return promise;
  }
  if (auto done = (this->*how)(*entry); !done) {
    if (entry->leaving && entry->sealed_seq == 0 && !entry->dirty &&
        !entry->running)
      set_.forget(id);
    promise.deliver(job_reply{refusal(done.error())});
    return promise;
  }
  current_.changes.push_back(change_reply{promise, entry->record});
  finish_turn();
  return promise;
}

result<void, transition_error> supervisor_state::cancel(job_entry& entry) {
  auto from = entry.record.state;
  BOOST_OUTCOME_TRYV(apply(entry, events::cancel{}));
  if (from != job_state::processing) {
    settle_place(entry);
    return outcome::success();
  }
  if (!entry.running) {
    // Not an attempt of this runtime's (read from the store): its owner,
    // or the rescue of a gone owner, ends it as cancelled.
    entry.leaving = true;
    return outcome::success();
  }
  stop_attempt(entry);
  // A worker thread's attempt ends as cancelled when its handler returns.
  // An actor may never answer a stop: its attempt ends here, given back
  // uncounted, and its late reply will be fenced off.
  if (runs_on_actor(entry.record)) {
    vacate(entry);
    disarm(entry);
    (void) apply(entry, events::release{entry.record.attempt});
    settle_place(entry);
  }
  return outcome::success();
}

result<void, transition_error> supervisor_state::requeue(job_entry& entry) {
  BOOST_OUTCOME_TRYV(apply(entry, events::requeue{}));
  settle_place(entry);
  return outcome::success();
}

result<void, transition_error> supervisor_state::purge(job_entry& entry) {
  auto done = apply_event(entry.record, events::purge{}, now());
  if (!done)
    return done.error();
  // Removed, fenced on the state it was decided from; the removal is the
  // entry's last write, so it leaves with it.
  entry.removing = true;
  entry.leaving = true;
  disarm(entry);
  set_.mark_dirty(entry);
  const auto& r = entry.record;
  if (!subscribers_.empty())
    current_.events.jobs.push_back(job_transition_event{
        r.id, r.type, r.queue, r.state, std::nullopt, r.attempt, now(), {}});
  return outcome::success();
}

runtime_stats supervisor_state::stats() const {
  runtime_stats s;
  s.outcomes = outcomes_;
  s.in_flight = gate_->running();
  s.held_jobs = set_.size();
  s.held_jobs_peak = held_peak_;
  if (commits_.degraded() && last_failure_)
    s.store_failure = describe(*last_failure_);
  s.breakers = gate_->breakers();
  std::sort(s.breakers.begin(), s.breakers.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  return s;
}

void supervisor_state::on_breaker_update(const breaker_update& update) {
  gate_->on_breaker(update.key, update.transition, update.probes);
  claim_wanted_ = true;
  if (!subscribers_.empty())
    current_.events.breakers.push_back(
        breaker_event{update.key, update.transition});
}

request_error supervisor_state::store_refusal() const {
  std::string cause = last_failure_ ? describe(*last_failure_)
                                    : std::string("a commit failed");
  return refusal(request_error::code_type::store_failure,
                 "the store cannot commit (" + cause +
                     "); nothing was changed, retry later");
}

/// The grace period is over (or nothing runs any more): every attempt still
/// out is asked to stop and given back, so its job is pending again with
/// that attempt not counted.
void supervisor_state::release_all() {
  shut_down_ = true;
  std::vector<job_entry*> running;
  set_.for_each([&](job_entry& e) {
    if (e.record.state == job_state::processing && !e.quarantined)
      running.push_back(&e);
  });
  for (auto* entry : running) {
    stop_attempt(*entry);
    vacate(*entry);
    disarm(*entry);
    if (apply(*entry, events::release{entry->record.attempt}))
      ++outcomes_.released;
    entry->leaving = true;
  }
  shutdown_report_.released = outcomes_.released;
  current_.completes_shutdown = true;
}

} // namespace jobrt::detail
