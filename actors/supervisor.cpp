#include "jobrt/actors/supervisor.hpp"

#include "jobrt/actors/circuit_breaker_actor.hpp"
#include "jobrt/actors/dispatch_queue.hpp"
#include "jobrt/actors/store_actor.hpp"
#include "jobrt/actors/transitions.hpp"
#include "jobrt/actors/worker_pool.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <deque>
#include <functional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace jobrt {

namespace {

struct job_entry {
  job record;
  lane_id lane = 0;
  /// Matches the ready_entry that stands for this job while it is pending.
  std::uint32_t ticket = 0;
  bool dirty = false;
  /// The current attempt was dispatched as a half-open probe.
  bool probe = false;
  /// The deadline the timer holds for this job, if any.
  std::optional<time_point> armed;
  /// An attempt that was given up (timeout, cancel) but still occupies a
  /// worker thread; 0 if none. No new attempt starts until it returns, so
  /// that at most one attempt of a job runs at a time.
  std::int32_t lingering = 0;
  /// Popped for dispatch while an attempt lingered; made ready again when
  /// it returns.
  bool parked = false;
  /// False while the enqueue that created it is not yet durable: nothing
  /// may touch it then, so a failed commit can take it back without trace.
  bool confirmed = true;
  /// The store refused to write this record: it is no longer written,
  /// dispatched or armed (see supervisor.hpp).
  bool quarantined = false;
};

/// One enqueue request whose answer waits for its turn's commit.
struct enqueue_reply {
  caf::typed_response_promise<enqueue_results> promise;
  enqueue_results results;
};

/// The effects of one turn, held back until the turn is durable (DESIGN.md:
/// "the store makes each transition durable before its effect is visible").
struct held_turn {
  /// The turn may take effect once the store has made this sequence number
  /// durable; turns take effect strictly in order.
  std::uint64_t needs = 0;
  std::vector<job_id> written;
  std::vector<job_id> removed;
  std::vector<job_id> created; ///< by enqueue: unconfirmed until durable
  std::vector<work_item> to_pool;
  std::vector<std::pair<handler_actor, job>> to_actors;
  deadline_commands timer_commands;
  breaker_reports reports;
  event_batch events;
  std::vector<enqueue_reply> enqueues;
  std::vector<std::function<void()>> replies;
  bool completes_shutdown = false;
};

/// What the supervisor knows of one breaker key, from breaker_updates.
struct breaker_gate {
  breaker_state state = breaker_state::closed;
  std::int32_t probe_budget = 0;
  std::uint64_t trips = 0;
  std::optional<time_point> reopen_at;

  bool admits() const {
    return state == breaker_state::closed ||
           (state == breaker_state::half_open && probe_budget > 0);
  }
};

struct concurrency_counter {
  std::int32_t running = 0;
  std::int32_t limit = INT32_MAX;
};

/// Everything that decides whether a lane may dispatch; pointers into
/// node-based maps, which never move their elements.
struct lane_limits {
  const handler_registration* registration;
  concurrency_counter* type;
  concurrency_counter* queue;
  breaker_gate* gate; ///< null when the type has no breaker
  /// Its handler is a callable, run on the worker pool.
  bool on_pool;
};

/// An attempt that holds a concurrency slot until it comes back.
struct running_attempt {
  lane_id lane;
  bool on_actor;
};

std::uint64_t attempt_key(job_id id, std::int32_t attempt) {
  // Attempts are at most max_attempts_limit (1000) < 1024.
  return (static_cast<std::uint64_t>(id) << 10) |
         static_cast<std::uint64_t>(attempt);
}

std::int64_t to_ms(time_point t) { return t.time_since_epoch().count(); }


request_error refusal(request_error::code_type code, std::string message,
                      job_id id = 0) {
  return request_error{code, std::move(message), id};
}

request_error no_such_job(job_id id) {
  return refusal(request_error::code_type::not_found, "no such job", id);
}

request_error refusal(const transition_error& e) {
  return refusal(request_error::code_type::invalid_transition, e.message(),
                 e.id);
}

class supervisor_state {
public:
  using pointer = supervisor_actor::stateful_pointer<supervisor_state>;

  void init(pointer self, supervisor_setup setup);
  ~supervisor_state();

  supervisor_actor::behavior_type behavior();

private:
  // -- turns and durability ---------------------------------------------
  void finish_turn(bool force_seal = false);
  void seal_turn();
  store_batch collect_changes(held_turn& turn);
  void on_committed(std::uint64_t seq, std::optional<store_error> failure);
  void release_durable();
  void take_effect(held_turn& turn);
  void answer_enqueue(enqueue_reply& reply);
  bool take_back(held_turn& turn);
  void schedule_recommit();
  template <class T>
  caf::typed_response_promise<T> reply_when_durable(T value);
  caf::typed_response_promise<store_stats> store_statistics();

  // -- table ----------------------------------------------------------------
  /// The time of the current turn: read once when a message arrives, so
  /// every change of one turn carries the same instant.
  time_point now() const { return now_; }
  void begin_turn() { now_ = setup_.clock->now(); }
  job_entry* find(job_id id);
  job_entry& insert(job record);
  result<void, transition_error> apply(job_entry& entry, const job_event& ev,
                                       const job_error* error = nullptr);
  void note_change(job_entry& entry, std::optional<job_state> from,
                   const job_error* error);
  void mark_dirty(job_entry& entry);
  void release_unique_key(const job& r);
  void remove(job_id id);
  void restore(job record);

  // -- scheduling -----------------------------------------------------------
  lane_id lane_of(const job& record);
  void make_ready(job_entry& entry);
  void arm(job_entry& entry, time_point at);
  void disarm(job_entry& entry);
  bool eligible(lane_id lane) const;
  void pump();
  void start_attempt(job_entry& entry);
  void stop_attempt(job_entry& entry);
  bool runs_on_actor(const job_entry& entry) const {
    return std::holds_alternative<handler_actor>(
        lanes_[entry.lane].registration->handler);
  }
  bool release_slot(job_id id, std::int32_t attempt);

  // -- attempt outcomes -----------------------------------------------------
  void on_result(job_id id, std::int32_t attempt, job_result result);
  void fail_attempt(job_entry& entry, const job_error& error);
  void on_deadline(job_entry& entry);
  void on_attempt_deadline(job_entry& entry);
  void report_outcome(const job_entry& entry, call_outcome outcome);
  void count_failure(error_kind kind);

  // -- requests -------------------------------------------------------------
  enqueue_result admit(const job_spec& spec, std::vector<job_id>& created);
  caf::typed_response_promise<enqueue_results> enqueue(const job_specs& specs);
  job_reply cancel(job_id id);
  job_reply requeue(job_id id);
  job_reply purge(job_id id);
  /// Null for a job that does not exist yet as far as requests go.
  job_entry* find_confirmed(job_id id);
  job_page list(const job_query& query) const;
  runtime_stats stats() const;
  void on_breaker_update(const breaker_update& update);
  void release_all();
  /// Why the store cannot commit, while degraded.
  request_error store_refusal() const;
  /// A live job whose type this runtime has no handler for.
  bool waits_without_handler(const job_entry& entry) const {
    return lanes_[entry.lane].registration == nullptr &&
           !is_terminal(entry.record.state);
  }
  void report_without_handler() const;
  void quarantine(job_id id, const store_error& why);
  void drop_quarantined(held_turn& turn);
  void answer_shutdown_undurable();

  // -- retention ------------------------------------------------------------
  void note_finished(const job& record);
  void prune();
  void schedule_prune();

  pointer self_ = nullptr;
  supervisor_setup setup_;
  time_point now_{};
  unit_random random_;
  std::shared_ptr<worker_pool> pool_;
  /// Attempts on the pool (running or waiting for a thread), and its bound.
  std::size_t on_pool_ = 0;
  std::size_t pool_capacity_ = 0;
  std::uint64_t without_handler_ = 0;
  breaker_actor breaker_;

  std::unordered_map<job_id, job_entry> jobs_;
  std::unordered_map<std::string, job_id> unique_keys_; ///< live jobs only
  dispatch_queue ready_;
  std::vector<lane_limits> lanes_;
  std::unordered_map<std::string, concurrency_counter> type_running_;
  std::unordered_map<std::string, concurrency_counter> queue_running_;
  std::unordered_map<std::string, breaker_gate> gates_;
  std::unordered_map<std::uint64_t, running_attempt> running_;
  job_id last_id_ = 0;

  std::array<std::uint64_t, all_job_states.size()> by_state_{};
  outcome_counters outcomes_;
  std::vector<event_listener> subscribers_;

  // What the current turn changed and produced, held back until durable.
  std::vector<job_id> dirty_;
  std::vector<job_id> removed_;
  held_turn current_;
  std::vector<work_result> results_;

  // Durability (see "turns and durability" below).
  store_actor store_; ///< null when the store commits inline
  std::deque<held_turn> held_;
  std::uint64_t sealed_seq_ = 0;
  /// The highest sequence number the store has answered for: written, or
  /// failed and taken back.
  std::uint64_t settled_seq_ = 0;
  /// Enqueued jobs whose commit failed: their enqueue answers turn into
  /// store_failure, also where a duplicate enqueue pointed at them.
  std::unordered_set<job_id> rolled_back_;
  /// Jobs set aside by quarantine(): their held events are dropped.
  std::unordered_set<job_id> quarantined_;
  /// A commit failed: seal only on recommit, with a growing delay.
  bool degraded_ = false;
  bool recommit_pending_ = false;
  /// What the last failed commit said: told to the enqueues it took back
  /// and, while degraded, to every request.
  std::optional<store_error> last_failure_;
  duration recommit_delay_{0};
  std::uint64_t recovery_seq_ = 0;
  /// Set when a turn that took effect made jobs ready or armed them.
  bool confirmed_work_ = false;
  store_stats inline_stats_;

  /// Per terminal state with a retention age: (finished_at, id), oldest
  /// first (see prune()).
  std::array<std::deque<std::pair<time_point, job_id>>, 3> finished_;

  bool draining_ = false;
  bool shut_down_ = false;
  shutdown_report shutdown_report_;
  std::vector<caf::typed_response_promise<shutdown_report>> shutdown_waiters_;
};

// -- set-up -------------------------------------------------------------------

void supervisor_state::init(pointer self, supervisor_setup setup) {
  self_ = self;
  setup_ = std::move(setup);
  random_ = seeded_unit_random(setup_.jitter_seed);
  last_id_ = setup_.snapshot.last_id;
  pool_ = setup_.pool;
  if (pool_) {
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
    pool_->set_results_ready([weak] {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<supervisor_actor>(strong),
                       atoms::results::value);
    });
  }
  pool_capacity_ = setup_.worker_threads * std::max<std::size_t>(
                                               setup_.handoff_per_thread, 1);
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
  auto snapshot = std::move(setup_.snapshot.jobs);
  begin_turn();
  for (auto& record : snapshot)
    restore(std::move(record));
  for (auto& finished : finished_)
    std::sort(finished.begin(), finished.end());
  report_without_handler();
  finish_turn();
  schedule_prune();
}

supervisor_state::~supervisor_state() {
  // Its owner (the runtime) joins it, with the patience it chose.
  if (pool_)
    pool_->stop();
}

/// Puts a stored job back in play: what was pending is dispatched, what
/// waits is re-armed, and an attempt that was running when its owner went
/// away counts as a failed attempt of kind abandoned.
void supervisor_state::restore(job record) {
  auto& entry = insert(std::move(record));
  auto& r = entry.record;
  if (r.unique_key && !is_terminal(r.state))
    unique_keys_.emplace(*r.unique_key, r.id);
  note_finished(r);
  if (waits_without_handler(entry))
    ++without_handler_;
  switch (r.state) {
    case job_state::pending: make_ready(entry); break;
    case job_state::scheduled:
    case job_state::retrying: arm(entry, r.run_at); break;
    case job_state::processing:
      fail_attempt(entry, job_error::abandoned("found running at start-up"));
      break;
    default: break;
  }
}

// -- turns and durability ------------------------------------------------------
//
// A turn changes the table at once, but its effects (replies, attempts handed
// out, deadlines, breaker reports, events) wait in a held_turn until the
// store has made the turn's changes durable. Turns are sealed in order, each
// with the sequence number of the last write it depends on, and take effect
// strictly in that order. With a store actor, the supervisor never waits for
// the disk: it goes on with the next turns while the store writes.
//
// A failed commit takes back the failed turns' new jobs (their enqueues are
// answered with store_failure) and marks everything else they wrote dirty
// again: the table still holds it, and a later commit writes it. Until one
// succeeds the supervisor is degraded: it seals only on a recommit timer
// whose delay grows to 5 s, and effects wait, so nothing becomes visible
// that is not durable and nothing acknowledged is lost.

void supervisor_state::finish_turn(bool force_seal) {
  do {
    confirmed_work_ = false;
    pump();
    if (draining_ && !shut_down_ && running_.empty())
      release_all();
    if (degraded_ && !force_seal) {
      if (shut_down_)
        answer_shutdown_undurable();
      return;
    }
    force_seal = false;
    seal_turn();
  } while (confirmed_work_);
}

store_batch supervisor_state::collect_changes(held_turn& turn) {
  store_batch batch;
  for (auto id : dirty_) {
    if (auto* entry = find(id); entry != nullptr && entry->dirty) {
      entry->dirty = false;
      if (entry->quarantined)
        continue;
      batch.upserts.push_back(entry->record);
      turn.written.push_back(id);
    }
  }
  dirty_.clear();
  batch.removals = removed_;
  turn.removed = std::move(removed_);
  removed_.clear();
  return batch;
}

void supervisor_state::seal_turn() {
  auto batch = collect_changes(current_);
  bool writes = !batch.empty();
  current_.needs = writes ? ++sealed_seq_ : sealed_seq_;
  held_.push_back(std::exchange(current_, held_turn{}));
  if (!writes) {
    release_durable();
    return;
  }
  if (store_) {
    self_->send(store_, atoms::commit::value, sealed_seq_, std::move(batch));
    return;
  }
  auto rows = batch.upserts.size() + batch.removals.size();
  auto written = setup_.store->commit(batch);
  inline_stats_.count_transaction(1, rows, !written);
  on_committed(sealed_seq_, written ? std::nullopt
                                    : std::optional{written.error()});
}

void supervisor_state::on_committed(std::uint64_t seq,
                                    std::optional<store_error> failure) {
  if (!failure) {
    settled_seq_ = std::max(settled_seq_, seq);
    if (degraded_ && seq >= recovery_seq_) {
      degraded_ = false;
      recommit_delay_ = duration{0};
      setup_.log->warn("supervisor: the store works again; resuming");
    }
    release_durable();
    return;
  }
  last_failure_ = failure;
  // A failure tied to one record sets that record aside; the rest is
  // written again at once (the seal at the end of this turn), instead of
  // the same batch failing forever. Any other failure degrades.
  const bool isolate =
      failure->record && find(*failure->record) != nullptr;
  if (isolate) {
    quarantine(*failure->record, *failure);
  } else {
    setup_.log->error("supervisor: changes up to turn {} are not durable "
                      "({}); holding their effects and retrying",
                      seq, describe(*failure));
  }
  // Every turn that depended on the failed transaction now depends on the
  // next seal, which writes again what they wrote (or on nothing, if all
  // they wrote was taken back).
  auto failed = [&](const held_turn& t) {
    return t.needs > settled_seq_ && t.needs <= seq;
  };
  bool rewrites = false;
  for (auto& turn : held_)
    if (failed(turn))
      rewrites = take_back(turn) || rewrites;
  for (auto& turn : held_)
    if (failed(turn))
      turn.needs = rewrites ? sealed_seq_ + 1 : seq;
  settled_seq_ = std::max(settled_seq_, seq);
  if (rewrites && isolate)
    confirmed_work_ = true; // finish_turn seals once more
  else if (rewrites) {
    degraded_ = true;
    schedule_recommit();
  }
  release_durable();
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

/// Attempts of set-aside jobs are not handed out: their dispatch was never
/// written.
void supervisor_state::drop_quarantined(held_turn& turn) {
  auto dropped = [this](job_id id, std::int32_t attempt) {
    if (quarantined_.count(id) == 0)
      return false;
    release_slot(id, attempt);
    return true;
  };
  std::erase_if(turn.to_pool, [&](const work_item& item) {
    return dropped(item.record.id, item.record.attempt);
  });
  std::erase_if(turn.to_actors, [&](const auto& handout) {
    return dropped(handout.second.id, handout.second.attempt);
  });
}

void supervisor_state::quarantine(job_id id, const store_error& why) {
  auto* entry = find(id);
  if (!entry->confirmed)
    return; // a new job: taken back with its turn, its enqueue refused
  entry->quarantined = true;
  quarantined_.insert(id);
  disarm(*entry);
  ++outcomes_.quarantined;
  setup_.log->error("job {} ({}): set aside, the store refuses its record "
                    "({}: {}); this runtime no longer runs or writes it, and "
                    "the store keeps its last written state",
                    id, entry->record.type, to_string(why.code), why.message);
}

/// A failed turn: its new jobs never existed; everything else it wrote is
/// marked to be written again. True if there is anything to write again.
bool supervisor_state::take_back(held_turn& turn) {
  for (auto id : turn.created) {
    auto i = jobs_.find(id);
    if (i == jobs_.end())
      continue;
    auto& r = i->second.record;
    release_unique_key(r);
    --by_state_[static_cast<std::size_t>(r.state)];
    jobs_.erase(i);
    rolled_back_.insert(id);
  }
  std::erase_if(turn.events.jobs, [&](const job_transition_event& e) {
    return rolled_back_.count(e.id) != 0 || quarantined_.count(e.id) != 0;
  });
  turn.created.clear();
  // Its enqueues are answered now: the jobs they created are refused, and
  // what they found by unique key was durable before. Held back, they
  // would wait behind the turns that must be written again.
  for (auto& reply : turn.enqueues)
    answer_enqueue(reply);
  turn.enqueues.clear();
  bool rewrites = false;
  for (auto id : turn.written) {
    if (auto* entry = find(id); entry != nullptr && !entry->quarantined) {
      mark_dirty(*entry);
      rewrites = true;
    }
  }
  for (auto id : turn.removed) {
    removed_.push_back(id);
    rewrites = true;
  }
  turn.written.clear();
  turn.removed.clear();
  return rewrites;
}

void supervisor_state::schedule_recommit() {
  if (recommit_pending_)
    return;
  recommit_pending_ = true;
  using namespace std::chrono_literals;
  recommit_delay_ = std::clamp<duration>(recommit_delay_ * 2, 50ms, 5000ms);
  self_->delayed_send(self_, recommit_delay_, atoms::recommit::value);
}

void supervisor_state::release_durable() {
  while (!held_.empty() && held_.front().needs <= settled_seq_) {
    auto turn = std::move(held_.front());
    held_.pop_front();
    take_effect(turn);
  }
  if (held_.empty())
    rolled_back_.clear();
}

void supervisor_state::take_effect(held_turn& turn) {
  for (auto id : turn.created) {
    auto* entry = find(id);
    if (entry == nullptr)
      continue;
    entry->confirmed = true;
    if (entry->record.state == job_state::pending)
      make_ready(*entry);
    else
      arm(*entry, entry->record.run_at);
    confirmed_work_ = true;
  }
  if (!quarantined_.empty())
    drop_quarantined(turn);
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
  for (auto& reply : turn.replies)
    reply();
  if (turn.completes_shutdown) {
    for (auto& waiter : shutdown_waiters_)
      waiter.deliver(shutdown_report_);
    shutdown_waiters_.clear();
  }
}

void supervisor_state::answer_enqueue(enqueue_reply& reply) {
  for (auto& r : reply.results)
    if (r && rolled_back_.count(r.value().id) != 0)
      r = refusal(request_error::code_type::store_failure,
                  "the store could not commit the enqueue" +
                      (last_failure_ ? ": " + describe(*last_failure_)
                                     : std::string{}));
  reply.promise.deliver(std::move(reply.results));
}

/// Answers with `value` once everything sealed so far is durable, so a
/// reply never shows a state the store could still lose.
template <class T>
caf::typed_response_promise<T> supervisor_state::reply_when_durable(T value) {
  auto promise = self_->make_response_promise<T>();
  if (degraded_) {
    // Nothing is sealed until a recommit works; the answers given now are
    // refusals naming the cause, or stats that say the store fails.
    promise.deliver(std::move(value));
    return promise;
  }
  current_.replies.emplace_back(
      [promise, value = std::move(value)]() mutable {
        promise.deliver(std::move(value));
      });
  return promise;
}

caf::typed_response_promise<store_stats> supervisor_state::store_statistics() {
  auto promise = self_->make_response_promise<store_stats>();
  if (!store_) {
    promise.deliver(inline_stats_);
    return promise;
  }
  self_->request(store_, caf::infinite, atoms::stats::value)
      .then([promise](store_stats& s) mutable { promise.deliver(s); },
            [promise](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

// -- table --------------------------------------------------------------------

job_entry* supervisor_state::find(job_id id) {
  auto i = jobs_.find(id);
  return i == jobs_.end() ? nullptr : &i->second;
}

job_entry& supervisor_state::insert(job record) {
  auto id = record.id;
  auto lane = lane_of(record);
  auto& entry = jobs_[id];
  entry.record = std::move(record);
  entry.lane = lane;
  ++by_state_[static_cast<std::size_t>(entry.record.state)];
  last_id_ = std::max(last_id_, id);
  return entry;
}

result<void, transition_error>
supervisor_state::apply(job_entry& entry, const job_event& ev,
                        const job_error* error) {
  auto next = apply_event(entry.record, ev, now());
  if (!next)
    return next.error();
  auto from = entry.record.state;
  entry.record = std::move(next).value();
  note_change(entry, from, error);
  return outcome::success();
}

void supervisor_state::note_change(job_entry& entry,
                                   std::optional<job_state> from,
                                   const job_error* error) {
  const auto& r = entry.record;
  if (from) {
    --by_state_[static_cast<std::size_t>(*from)];
    ++by_state_[static_cast<std::size_t>(r.state)];
    // Such a job changes state only by an operator's cancel or requeue.
    if (lanes_[entry.lane].registration == nullptr &&
        is_terminal(*from) != is_terminal(r.state)) {
      if (is_terminal(r.state))
        --without_handler_;
      else
        ++without_handler_;
    }
  }
  if (is_terminal(r.state))
    release_unique_key(r);
  if (r.state == job_state::cancelled && from != job_state::cancelled)
    ++outcomes_.cancelled;
  if (from != r.state)
    note_finished(r);
  mark_dirty(entry);
  if (setup_.log->should_log(spdlog::level::debug))
    setup_.log->debug("job {} ({}): {} -> {}, attempt {}", r.id, r.type,
                      from ? to_string(*from) : std::string_view{"new"},
                      to_string(r.state), r.attempt);
  if (subscribers_.empty())
    return;
  current_.events.jobs.push_back(job_transition_event{
      r.id, r.type, r.queue, from, r.state, r.attempt, r.updated_at,
      error != nullptr ? std::optional<job_error>{*error} : std::nullopt});
}

/// The record's unique key no longer names a live job (if it named this one).
void supervisor_state::release_unique_key(const job& r) {
  if (!r.unique_key)
    return;
  auto i = unique_keys_.find(*r.unique_key);
  if (i != unique_keys_.end() && i->second == r.id)
    unique_keys_.erase(i);
}

void supervisor_state::mark_dirty(job_entry& entry) {
  if (entry.dirty)
    return;
  entry.dirty = true;
  dirty_.push_back(entry.record.id);
}

void supervisor_state::remove(job_id id) {
  auto i = jobs_.find(id);
  const auto& r = i->second.record;
  --by_state_[static_cast<std::size_t>(r.state)];
  if (!subscribers_.empty())
    current_.events.jobs.push_back(job_transition_event{
        r.id, r.type, r.queue, r.state, std::nullopt, r.attempt, now(), {}});
  disarm(i->second);
  jobs_.erase(i);
  removed_.push_back(id);
}

// -- scheduling -----------------------------------------------------------------

lane_id supervisor_state::lane_of(const job& record) {
  auto lane = ready_.lane_for(record.type, record.queue, record.breaker_key);
  if (lane < lanes_.size())
    return lane;
  const auto* reg = setup_.registry->find(record.type);
  auto& type = type_running_[record.type];
  if (reg != nullptr && reg->options.concurrency)
    type.limit = *reg->options.concurrency;
  auto& queue = queue_running_[record.queue];
  if (auto limit = setup_.queue_concurrency.find(record.queue);
      limit != setup_.queue_concurrency.end())
    queue.limit = limit->second;
  breaker_gate* gate = nullptr;
  if (reg != nullptr && reg->options.breaker)
    gate = &gates_[record.breaker_key];
  bool on_pool = reg != nullptr &&
                 std::holds_alternative<job_handler>(reg->handler);
  lanes_.push_back(lane_limits{reg, &type, &queue, gate, on_pool});
  return lane;
}

void supervisor_state::make_ready(job_entry& entry) {
  const auto& r = entry.record;
  ready_.push(entry.lane,
              ready_entry{r.priority, to_ms(r.run_at), r.id, ++entry.ticket});
}

void supervisor_state::arm(job_entry& entry, time_point at) {
  entry.armed = at;
  current_.timer_commands.push_back(
      {make_deadline_key(deadline_kind::job,
                         static_cast<std::uint64_t>(entry.record.id)),
       at});
}

void supervisor_state::disarm(job_entry& entry) {
  if (!entry.armed)
    return;
  entry.armed.reset();
  current_.timer_commands.push_back(
      {make_deadline_key(deadline_kind::job,
                         static_cast<std::uint64_t>(entry.record.id)),
       std::nullopt});
}

bool supervisor_state::eligible(lane_id lane) const {
  const auto& l = lanes_[lane];
  return l.registration != nullptr && l.type->running < l.type->limit &&
         l.queue->running < l.queue->limit &&
         (!l.on_pool || on_pool_ < pool_capacity_) &&
         (l.gate == nullptr || l.gate->admits());
}

void supervisor_state::pump() {
  if (draining_)
    return;
  while (running_.size() < setup_.max_in_flight) {
    auto next = ready_.pop_best([this](lane_id l) { return eligible(l); });
    if (!next)
      return;
    auto* entry = find(next->second.id);
    if (entry == nullptr || entry->ticket != next->second.ticket ||
        entry->record.state != job_state::pending || entry->quarantined)
      continue; // cancelled or purged while it waited
    if (entry->lingering != 0) {
      entry->parked = true;
      continue;
    }
    start_attempt(*entry);
  }
}

void supervisor_state::start_attempt(job_entry& entry) {
  if (auto started = apply(entry, events::dispatch{}); !started) {
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
    return;
  }
  const auto& r = entry.record;
  auto& lane = lanes_[entry.lane];
  ++lane.type->running;
  ++lane.queue->running;
  entry.probe = lane.gate != nullptr &&
                lane.gate->state == breaker_state::half_open;
  if (entry.probe)
    --lane.gate->probe_budget;
  ++outcomes_.attempts_started;
  arm(entry, saturating_add(now(), r.timeout));
  const auto& handler = lane.registration->handler;
  if (const auto* fn = std::get_if<job_handler>(&handler)) {
    ++on_pool_;
    running_.emplace(attempt_key(r.id, r.attempt),
                     running_attempt{entry.lane, false});
    current_.to_pool.push_back(work_item{r, fn, std::chrono::steady_clock::now()});
  } else {
    running_.emplace(attempt_key(r.id, r.attempt),
                     running_attempt{entry.lane, true});
    current_.to_actors.emplace_back(std::get<handler_actor>(handler), r);
  }
}

void supervisor_state::stop_attempt(job_entry& entry) {
  const auto& r = entry.record;
  const auto& handler = lanes_[entry.lane].registration->handler;
  if (std::holds_alternative<job_handler>(handler)) {
    if (pool_)
      pool_->request_stop(r.id, r.attempt);
    entry.lingering = r.attempt;
    return;
  }
  self_->send(std::get<handler_actor>(handler), atoms::stop::value, r.id,
              r.attempt);
  // An actor holds no thread of ours: its slot is free once we stop waiting.
  release_slot(r.id, r.attempt);
}

bool supervisor_state::release_slot(job_id id, std::int32_t attempt) {
  auto i = running_.find(attempt_key(id, attempt));
  if (i == running_.end())
    return false;
  auto& lane = lanes_[i->second.lane];
  --lane.type->running;
  --lane.queue->running;
  if (!i->second.on_actor)
    --on_pool_;
  running_.erase(i);
  return true;
}

// -- attempt outcomes -------------------------------------------------------------

void supervisor_state::on_result(job_id id, std::int32_t attempt,
                                 job_result result) {
  release_slot(id, attempt);
  auto* entry = find(id);
  if (entry != nullptr && entry->lingering == attempt) {
    entry->lingering = 0;
    if (std::exchange(entry->parked, false) &&
        entry->record.state == job_state::pending)
      make_ready(*entry);
  }
  if (entry == nullptr || entry->record.state != job_state::processing ||
      entry->record.attempt != attempt || entry->quarantined) {
    ++outcomes_.stale_replies;
    setup_.log->debug("job {}: discarded the reply of stale attempt {}", id,
                      attempt);
    return;
  }
  if (draining_)
    ++shutdown_report_.finished_in_grace;
  disarm(*entry);
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
}

void supervisor_state::fail_attempt(job_entry& entry, const job_error& error) {
  auto& r = entry.record;
  const auto* reg = lanes_[entry.lane].registration;
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
    arm(entry, r.run_at);
    setup_.log->info("job {} ({}) attempt {} failed ({} {}: {}); retry at +{} ms",
                     r.id, r.type, attempt, to_string(error.kind), error.code,
                     error.message, decision.delay->count());
  } else if (r.state == job_state::dead) {
    ++outcomes_.dead_lettered;
    setup_.log->warn("job {} ({}) is dead after attempt {}: {} {}: {} ({})",
                     r.id, r.type, attempt, to_string(error.kind), error.code,
                     error.message, to_string(decision.reason));
  }
}

void supervisor_state::on_deadline(job_entry& entry) {
  switch (entry.record.state) {
    case job_state::scheduled:
    case job_state::retrying:
      if (apply(entry, events::due{}))
        make_ready(entry);
      return;
    case job_state::pending:
      make_ready(entry); // refused as not due before: due now
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
  if (lanes_[entry.lane].on_pool && pool_) {
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
  fail_attempt(entry, job_error::timeout("the attempt ran over its " +
                                         std::to_string(r.timeout.count()) +
                                         " ms timeout"));
}

void supervisor_state::report_outcome(const job_entry& entry,
                                      call_outcome outcome) {
  auto& lane = lanes_[entry.lane];
  if (lane.gate == nullptr)
    return;
  if (entry.probe && outcome == call_outcome::ignored_failure &&
      lane.gate->state == breaker_state::half_open)
    ++lane.gate->probe_budget; // it told nothing: another job may probe
  const auto& r = entry.record;
  if (!current_.reports.empty()) {
    auto& last = current_.reports.back();
    if (last.outcome == outcome && last.probe == entry.probe &&
        last.key == r.breaker_key && last.type == r.type) {
      ++last.count;
      return;
    }
  }
  current_.reports.push_back(breaker_report{r.breaker_key, r.type, outcome, 1,
                                    entry.probe});
}

void supervisor_state::count_failure(error_kind kind) {
  switch (kind) {
    case error_kind::permanent: ++outcomes_.failed_permanent; break;
    case error_kind::transient: ++outcomes_.failed_transient; break;
    case error_kind::timeout:     // counted when the deadline fired
    case error_kind::abandoned: break;
  }
}

// -- requests -------------------------------------------------------------------

enqueue_result supervisor_state::admit(const job_spec& spec,
                                       std::vector<job_id>& created) {
  using code = request_error::code_type;
  if (draining_)
    return refusal(code::shutting_down, "the runtime is shutting down");
  if (degraded_)
    return store_refusal();
  if (auto valid = validate_spec(spec); !valid)
    return refusal(code::invalid_spec, valid.error().message());
  const auto* reg = setup_.registry->find(spec.type);
  if (reg == nullptr)
    return refusal(code::unknown_job_type,
                   "no handler is registered for job type '" + spec.type +
                       "'");
  if (spec.unique_key) {
    if (auto i = unique_keys_.find(*spec.unique_key); i != unique_keys_.end())
      return enqueued{i->second, true};
  }
  if (spec.payload.size() > setup_.store->max_payload_bytes())
    return refusal(code::too_large,
                   "the payload has " + std::to_string(spec.payload.size()) +
                       " bytes; the store accepts at most " +
                       std::to_string(setup_.store->max_payload_bytes()));
  auto& entry = insert(make_job(spec, last_id_ + 1, reg->defaults(), now()));
  const auto& r = entry.record;
  // Dispatched or armed only once durable (take_effect).
  entry.confirmed = false;
  created.push_back(r.id);
  if (r.unique_key)
    unique_keys_.emplace(*r.unique_key, r.id);
  note_change(entry, std::nullopt, nullptr);
  return enqueued{r.id, false};
}

caf::typed_response_promise<enqueue_results>
supervisor_state::enqueue(const job_specs& specs) {
  enqueue_reply reply{self_->make_response_promise<enqueue_results>(), {}};
  reply.results.reserve(specs.size());
  for (const auto& spec : specs)
    reply.results.push_back(admit(spec, current_.created));
  auto promise = reply.promise;
  if (degraded_) {
    promise.deliver(std::move(reply.results)); // all refused: see admit
    return promise;
  }
  current_.enqueues.push_back(std::move(reply));
  finish_turn();
  return promise;
}

job_entry* supervisor_state::find_confirmed(job_id id) {
  auto* entry = find(id);
  return entry != nullptr && entry->confirmed ? entry : nullptr;
}

job_reply supervisor_state::cancel(job_id id) {
  auto* entry = find_confirmed(id);
  if (entry == nullptr)
    return no_such_job(id);
  if (degraded_)
    return store_refusal();
  if (entry->quarantined)
    return refusal(request_error::code_type::store_failure,
                   "the store refuses this job's record; see the log", id);
  auto from = entry->record.state;
  if (auto done = apply(*entry, events::cancel{}); !done)
    return refusal(done.error());
  if (from != job_state::processing) {
    disarm(*entry);
  } else {
    stop_attempt(*entry);
    // A worker thread's attempt ends as cancelled when its handler returns.
    // An actor may never answer a stop: its attempt ends here, given back
    // uncounted, and its late reply will be fenced off.
    if (runs_on_actor(*entry)) {
      disarm(*entry);
      (void) apply(*entry, events::release{entry->record.attempt});
    }
  }
  return entry->record;
}

job_reply supervisor_state::requeue(job_id id) {
  auto* entry = find_confirmed(id);
  if (entry == nullptr)
    return no_such_job(id);
  if (degraded_)
    return store_refusal();
  if (entry->quarantined)
    return refusal(request_error::code_type::store_failure,
                   "the store refuses this job's record; see the log", id);
  const auto& key = entry->record.unique_key;
  if (key && unique_keys_.count(*key) != 0)
    return refusal(request_error::code_type::invalid_transition,
                   "unique key '" + *key + "' is held by live job " +
                       std::to_string(unique_keys_.at(*key)),
                   id);
  if (auto done = apply(*entry, events::requeue{}); !done)
    return refusal(done.error());
  if (key)
    unique_keys_.emplace(*key, id);
  make_ready(*entry);
  return entry->record;
}

job_reply supervisor_state::purge(job_id id) {
  auto* entry = find_confirmed(id);
  if (entry == nullptr)
    return no_such_job(id);
  if (degraded_)
    return store_refusal();
  if (entry->quarantined)
    return refusal(request_error::code_type::store_failure,
                   "the store refuses this job's record; see the log", id);
  if (auto done = apply_event(entry->record, events::purge{}, now()); !done)
    return refusal(done.error());
  auto record = entry->record;
  remove(id);
  return record;
}

job_page supervisor_state::list(const job_query& query) const {
  auto limit = std::clamp<std::size_t>(query.limit, 1, max_page_size);
  // The limit+1 smallest matching ids, kept in a max-heap.
  std::priority_queue<job_id> smallest;
  for (const auto& [id, entry] : jobs_) {
    if (id <= query.after || !query.matches(entry.record))
      continue;
    smallest.push(id);
    if (smallest.size() > limit + 1)
      smallest.pop();
  }
  std::vector<job_id> ids;
  while (!smallest.empty()) {
    ids.push_back(smallest.top());
    smallest.pop();
  }
  std::reverse(ids.begin(), ids.end());
  job_page page;
  bool more = ids.size() > limit;
  ids.resize(std::min(ids.size(), limit));
  for (auto id : ids)
    page.jobs.push_back(jobs_.at(id).record);
  if (more)
    page.next_after = ids.back();
  return page;
}

runtime_stats supervisor_state::stats() const {
  runtime_stats s;
  s.jobs = by_state_;
  s.outcomes = outcomes_;
  s.in_flight = running_.size();
  s.without_handler = without_handler_;
  if (degraded_ && last_failure_)
    s.store_failure = describe(*last_failure_);
  for (const auto& [key, gate] : gates_)
    s.breakers.push_back(breaker_status{key, gate.state, gate.trips,
                                        gate.reopen_at});
  std::sort(s.breakers.begin(), s.breakers.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  return s;
}

void supervisor_state::on_breaker_update(const breaker_update& update) {
  auto& gate = gates_[update.key];
  const auto& t = update.transition;
  gate.state = t.to;
  gate.reopen_at = t.reopen_at;
  gate.probe_budget = t.to == breaker_state::half_open ? update.probes : 0;
  if (t.to == breaker_state::open)
    ++gate.trips;
  if (!subscribers_.empty())
    current_.events.breakers.push_back(breaker_event{update.key, t});
}

request_error supervisor_state::store_refusal() const {
  std::string cause = last_failure_ ? describe(*last_failure_)
                                    : std::string("a commit failed");
  return refusal(request_error::code_type::store_failure,
                 "the store cannot commit (" + cause +
                     "); nothing was changed, retry later");
}

/// Once, at start: jobs of a type this runtime has no handler for would
/// otherwise wait without a word.
void supervisor_state::report_without_handler() const {
  if (without_handler_ == 0)
    return;
  std::map<std::string_view, std::uint64_t> by_type;
  for (const auto& [id, entry] : jobs_)
    if (waits_without_handler(entry))
      ++by_type[entry.record.type];
  std::string types;
  for (const auto& [type, count] : by_type)
    types += (types.empty() ? "" : ", ") + std::string(type) + " (" +
             std::to_string(count) + ")";
  setup_.log->warn("supervisor: {} jobs wait for a handler this runtime does "
                   "not have: {}",
                   without_handler_, types);
}

/// The grace period is over (or nothing runs any more): every attempt still
/// out is asked to stop and given back, so its job is pending again with
/// that attempt not counted.
void supervisor_state::release_all() {
  shut_down_ = true;
  for (auto& [id, entry] : jobs_) {
    if (entry.record.state != job_state::processing)
      continue;
    stop_attempt(entry);
    disarm(entry);
    if (apply(entry, events::release{entry.record.attempt}))
      ++outcomes_.released;
  }
  shutdown_report_.released = outcomes_.released;
  current_.completes_shutdown = true;
}

// -- retention ----------------------------------------------------------------

namespace {

/// Index into finished_ of a terminal state that has a retention age.
std::optional<std::size_t> retention_slot(job_state s) {
  switch (s) {
    case job_state::completed: return 0;
    case job_state::dead: return 1;
    case job_state::cancelled: return 2;
    default: return std::nullopt;
  }
}

} // namespace

void supervisor_state::note_finished(const job& record) {
  auto slot = retention_slot(record.state);
  if (!slot || !record.finished_at || !setup_.retention.age(record.state))
    return;
  finished_[*slot].emplace_back(*record.finished_at, record.id);
}

/// Removes terminal jobs older than their state's retention age. The
/// queues are in finish order; an entry whose job was requeued or purged
/// since no longer matches and is dropped.
void supervisor_state::prune() {
  for (auto state : {job_state::completed, job_state::dead,
                     job_state::cancelled}) {
    auto age = setup_.retention.age(state);
    if (!age)
      continue;
    auto& queue = finished_[*retention_slot(state)];
    while (!queue.empty() && saturating_add(queue.front().first, *age) <= now()) {
      auto [at, id] = queue.front();
      queue.pop_front();
      auto* entry = find(id);
      if (entry == nullptr || entry->record.state != state ||
          entry->record.finished_at != at)
        continue;
      ++outcomes_.pruned;
      remove(id);
    }
  }
}

void supervisor_state::schedule_prune() {
  if (setup_.retention.any())
    self_->delayed_send(self_, setup_.retention.interval, atoms::prune::value);
}

supervisor_actor::behavior_type supervisor_state::behavior() {
  return {
      [this](atoms::enqueue, const job_specs& specs) {
        begin_turn();
        return enqueue(specs);
      },
      [this](atoms::get, job_id id) {
        begin_turn();
        auto* entry = find_confirmed(id);
        // While degraded the table holds changes the store may lose: say
        // so at once rather than show them, or wait for the disk.
        auto promise = reply_when_durable(
            degraded_          ? job_reply{store_refusal()}
            : entry != nullptr ? job_reply{entry->record}
                               : no_such_job(id));
        finish_turn();
        return promise;
      },
      [this](atoms::list, const job_query& query) {
        begin_turn();
        auto promise = reply_when_durable(
            degraded_ ? page_reply{store_refusal()} : page_reply{list(query)});
        finish_turn();
        return promise;
      },
      [this](atoms::stats) {
        begin_turn();
        auto promise = reply_when_durable(stats());
        finish_turn();
        return promise;
      },
      [this](atoms::stats, atoms::commit) { return store_statistics(); },
      [this](atoms::cancel, job_id id) {
        begin_turn();
        auto promise = reply_when_durable(cancel(id));
        finish_turn();
        return promise;
      },
      [this](atoms::requeue, job_id id) {
        begin_turn();
        auto promise = reply_when_durable(requeue(id));
        finish_turn();
        return promise;
      },
      [this](atoms::purge, job_id id) {
        begin_turn();
        auto promise = reply_when_durable(purge(id));
        finish_turn();
        return promise;
      },
      [this](atoms::subscribe, event_listener listener) {
        subscribers_.push_back(std::move(listener));
      },
      [this](atoms::shutdown, duration grace) {
        begin_turn();
        // Any grace is accepted; a delayed message needs one that fits.
        grace = std::clamp<duration>(grace, duration::zero(), max_grace);
        if (shut_down_) {
          auto done = reply_when_durable(shutdown_report_);
          finish_turn();
          return done;
        }
        auto waiter = self_->make_response_promise<shutdown_report>();
        shutdown_waiters_.push_back(waiter);
        if (!draining_) {
          draining_ = true;
          setup_.log->info("supervisor: shutting down, {} attempts out, "
                           "grace {} ms",
                           running_.size(), grace.count());
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
      [this](atoms::committed, std::uint64_t seq,
             std::optional<store_error>& failure) {
        begin_turn();
        on_committed(seq, std::move(failure));
        finish_turn();
      },
      [this](atoms::recommit) {
        begin_turn();
        recommit_pending_ = false;
        recovery_seq_ = sealed_seq_ + 1;
        finish_turn(true);
        if (degraded_) {
          // Nothing new to write: recovered once what is in flight is.
          recovery_seq_ = sealed_seq_;
          if (sealed_seq_ <= settled_seq_)
            on_committed(settled_seq_, std::nullopt);
        }
      },
      [this](atoms::prune) {
        begin_turn();
        prune();
        finish_turn();
        schedule_prune();
      },
      [this](atoms::fired, const std::vector<std::uint64_t>& ids) {
        begin_turn();
        auto t = now();
        for (auto id : ids) {
          auto* entry = find(static_cast<job_id>(id));
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
          on_result(r.id, r.attempt, std::move(r.result));
        results_.clear();
        finish_turn();
      },
  };
}

} // namespace

supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  supervisor_setup setup) {
  auto body = [](supervisor_state::pointer self, supervisor_setup s)
      -> supervisor_actor::behavior_type {
    self->state.init(self, std::move(s));
    return self->state.behavior();
  };
  return sys.spawn(body, std::move(setup));
}

} // namespace jobrt
