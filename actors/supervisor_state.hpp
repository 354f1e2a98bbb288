#pragma once

// The supervisor's state, shared by the files that tell its parts (see
// actors/supervisor.hpp for what it does):
//   supervisor.cpp           set-up, the turn, the behaviour
//   supervisor_answers.cpp   the store's answers and the effects they release
//   supervisor_attempts.cpp  changes, attempts and their outcomes
//   supervisor_requests.cpp  enqueue, operators' changes, stats, shutdown
// Internal to the supervisor; not part of jobrt's API.

#include "jobrt/actors/supervisor.hpp"

#include "jobrt/actors/circuit_breaker_actor.hpp"
#include "jobrt/actors/commit_queue.hpp"
#include "jobrt/actors/dispatch_gate.hpp"
#include "jobrt/actors/held_turn.hpp"
#include "jobrt/actors/store_actor.hpp"
#include "jobrt/actors/transitions.hpp"
#include "jobrt/actors/worker_pool.hpp"
#include "jobrt/actors/working_set.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace jobrt::detail {

inline std::int64_t to_ms(time_point t) { return t.time_since_epoch().count(); }

inline request_error refusal(request_error::code_type code,
                             std::string message, job_id id = 0) {
  return request_error{code, std::move(message), id};
}

inline request_error no_such_job(job_id id) {
  return refusal(request_error::code_type::not_found, "no such job", id);
}

inline request_error refusal(const transition_error& e) {
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
  // -- turns --------------------------------------------------------------
  /// The time of the current turn: read once when a message arrives, so
  /// every change of one turn carries the same instant.
  time_point now() const { return now_; }
  void begin_turn() { now_ = setup_.clock->now(); }
  void finish_turn(bool force_seal = false);
  void place_ready();
  void plan_store_work();
  void seal_turn(bool retry);
  void commit_inline(std::uint64_t seq, store_batch& batch);

  // -- the store's answers ------------------------------------------------------
  void on_report(commit_report& report);
  void on_failed(const store_error& failure);
  bool take_back(held_turn& turn);
  void release_durable();
  void absorb(held_turn& turn);
  void settle_insert(new_job& n, const insert_outcome& outcome,
                     held_turn& turn);
  void take_claimed(job record);
  void take_staged(std::vector<job>& staged);
  void take_rescued(std::vector<job>& rescued);
  void take_commands(const std::vector<operator_command>& commands);
  void on_refused(const write_refusal& r);
  bool awaits_hand_out(const job_entry& entry) const;
  void quarantine(job_entry& entry, const store_error& why);
  void take_effect(held_turn& turn);
  void answer_enqueue(enqueue_reply& reply);
  void schedule_retry_commit();
  void answer_shutdown_undurable();

  // -- changes ------------------------------------------------------------------
  result<void, transition_error> apply(job_entry& entry, const job_event& ev,
                                       const job_error* error = nullptr);
  void note_change(const job& r, std::optional<job_state> from,
                   const job_error* error, held_turn& where);
  /// Decides what an entry in a waiting or finished state does next: stays
  /// held (armed) or leaves for the store once written.
  void settle_place(job_entry& entry);
  void arm(job_entry& entry, time_point at);
  void disarm(job_entry& entry);
  bool held_for_deadline(time_point at) const;

  // -- attempts -----------------------------------------------------------------
  events::dispatch dispatch_event() const;
  void start_attempt(job_entry& entry);
  void hand_out(job_entry& entry);
  void stop_attempt(job_entry& entry);
  void vacate(job_entry& entry);
  const handler_registration* registration(const job& r) const {
    return setup_.registry->find(r.type);
  }
  bool runs_on_actor(const job& r) const {
    const auto* reg = registration(r);
    return reg != nullptr &&
           std::holds_alternative<handler_actor>(reg->handler);
  }

  // -- attempt outcomes ---------------------------------------------------------
  /// `ran` false: the pool gave the attempt back unrun (stopped before it
  /// started); it is released, uncounted, rather than failed.
  void on_result(job_id id, std::int32_t attempt, job_result result,
                 bool ran = true);
  void fail_attempt(job_entry& entry, const job_error& error);
  void on_deadline(job_entry& entry);
  void on_attempt_deadline(job_entry& entry);
  void report_outcome(const job_entry& entry, call_outcome outcome);
  void count_failure(error_kind kind);

  // -- requests -----------------------------------------------------------------
  enqueue_result admit(const job_spec& spec, std::size_t reply,
                       std::size_t slot);
  caf::typed_response_promise<enqueue_results> enqueue(const job_specs& specs);
  using change = result<void, transition_error> (supervisor_state::*)(
      job_entry&);
  caf::typed_response_promise<job_reply>
  change_job(job_id id, stored_job stored, change how);
  result<void, transition_error> cancel(job_entry& entry);
  result<void, transition_error> requeue(job_entry& entry);
  result<void, transition_error> purge(job_entry& entry);
  runtime_stats stats() const;
  void on_breaker_update(const breaker_update& update);
  void release_all();
  request_error store_refusal() const;

  pointer self_ = nullptr;
  supervisor_setup setup_;
  time_point now_{};
  unit_random random_;
  std::shared_ptr<worker_pool> pool_;
  breaker_actor breaker_;
  store_actor store_; ///< null when the store commits inline

  working_set set_;
  std::unique_ptr<dispatch_gate> gate_;
  commit_queue commits_;
  outcome_counters outcomes_;
  std::vector<event_listener> subscribers_;
  std::vector<work_result> results_;

  /// Held pending jobs of this turn: started or left to the store at its end.
  std::vector<job_id> ready_;
  held_turn current_;
  /// Where effects that need no write of their own go: the current turn,
  /// or, while a store answer is taken in, effects released with it.
  held_turn* fx_ = &current_;
  std::deque<held_turn> held_;
  /// The answer being taken in, and how much of it the turns consumed.
  commit_report* report_ = nullptr;
  std::size_t inserted_at_ = 0;
  std::size_t claimed_at_ = 0;
  std::unordered_set<job_id> refused_;
  /// Jobs whose writes the store refused: their held effects are dropped.
  std::unordered_set<job_id> dropped_;

  /// Other runtimes share the store (job_store::shared): claims take what
  /// came due, so nothing is staged, and owners die at any time, so every
  /// poll rescues.
  bool shared_store_ = false;
  /// Spreads the polls of nodes that started together (shared stores).
  unit_random poll_jitter_;
  duration next_poll();
  /// A shared store's waiting jobs are not held (a claim of any node takes
  /// them when due): this runtime only remembers when the ones it decided
  /// come due, to claim then rather than at its next poll.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>>
      due_alarms_;
  /// When the alarm on its way fires; INT64_MAX: none.
  std::int64_t alarm_at_ = INT64_MAX;
  void expect_due(time_point at);
  void on_wake();

  // What the next turns ask of the store.
  bool claim_wanted_ = true;
  bool claim_in_flight_ = false;
  bool stage_wanted_ = true;
  bool stage_in_flight_ = false;
  bool rescue_wanted_ = true;
  bool rescue_in_flight_ = false;
  bool purge_wanted_ = false;
  bool purge_in_flight_ = false;
  bool commands_wanted_ = true;
  bool commands_in_flight_ = false;
  /// Every waiting job with (run_at, id) up to here is held, or was
  /// handled: the next stage starts after it.
  std::int64_t staged_run_at_ = INT64_MIN;
  job_id staged_id_ = 0;
  /// The horizon staging will have reached once the stage in flight lands.
  std::int64_t planned_until_ = INT64_MIN;

  /// The most jobs the working set held at the end of a turn.
  std::uint64_t held_peak_ = 0;
  bool retry_pending_ = false;
  bool more_ = false;
  std::optional<store_error> last_failure_;

  bool draining_ = false;
  bool shut_down_ = false;
  shutdown_report shutdown_report_;
  std::vector<caf::typed_response_promise<shutdown_report>> shutdown_waiters_;
};

} // namespace jobrt::detail
