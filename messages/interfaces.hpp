#pragma once

// The typed actor interfaces of jobrt (DESIGN.md, "Shape"). Each alias is
// the whole contract of one actor: the compiler checks every message sent to
// it. jobrt's messages never leave the process, so the types below travel
// as CAF "unsafe" (local-only, unserialised) message types.

#include "jobrt/messages/atoms.hpp"
#include "jobrt/messages/breaker.hpp"
#include "jobrt/messages/deadline.hpp"
#include "jobrt/messages/job.hpp"
#include "jobrt/messages/job_query.hpp"
#include "jobrt/messages/replies.hpp"
#include "jobrt/messages/request_error.hpp"
#include "jobrt/messages/runtime_event.hpp"
#include "jobrt/messages/runtime_stats.hpp"
#include "jobrt/messages/store_batch.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobrt {

// -- the circuit breaker's vocabulary -----------------------------------------

/// `count` consecutive outcomes of one breaker key. `probe` marks attempts
/// the supervisor dispatched as half-open probes; in half-open only those
/// count, so a late reply from before the trip cannot close the breaker.
struct breaker_report {
  std::string key;
  std::string type; ///< the job type, whose registration holds the config
  call_outcome outcome = call_outcome::success;
  std::int32_t count = 1;
  bool probe = false;
};

using breaker_reports = std::vector<breaker_report>;

/// A breaker changed state. In half-open, `probes` jobs may be dispatched.
struct breaker_update {
  std::string key;
  breaker_transition transition;
  std::int32_t probes = 0;
};

// -- the store actor's vocabulary ---------------------------------------------

/// The store's answer for the turns up to `seq`, sealed in `epoch`: the
/// receipt, or why the transaction failed (see actors/commit_queue.hpp).
struct commit_report {
  std::uint64_t seq = 0;
  std::uint64_t epoch = 0;
  std::optional<store_error> failure;
  store_receipt receipt;
};

// -- interfaces ----------------------------------------------------------------

/// Whoever owns deadlines of one kind: receives the ids whose time came.
using deadline_listener =
    caf::typed_actor<caf::reacts_to<atoms::fired, std::vector<std::uint64_t>>>;

/// One ordered structure for every deadline; at most one delayed message of
/// its own outstanding (see actors/timer.hpp).
using timer_actor = caf::typed_actor<
    caf::reacts_to<atoms::listen, deadline_kind, deadline_listener>,
    caf::reacts_to<deadline_commands>,
    caf::reacts_to<atoms::tick, std::uint64_t>,
    caf::replies_to<atoms::stats>::with<timer_stats>>;

/// Receives every transition and breaker change (see runtime::subscribe).
using event_listener = caf::typed_actor<caf::reacts_to<event_batch>>;

/// Whom the circuit breaker tells about state changes (the supervisor).
using breaker_listener = caf::typed_actor<caf::reacts_to<breaker_update>>;

/// One pure breaker state machine per key (see actors/circuit_breaker_actor).
using breaker_actor = caf::typed_actor<
    caf::reacts_to<atoms::report, breaker_reports>,
    caf::reacts_to<atoms::fired, std::vector<std::uint64_t>>,
    caf::replies_to<atoms::breakers>::with<std::vector<breaker_status>>>;

/// The extension point for asynchronous handlers: an actor that runs the
/// attempt described by the job record (attempt = the attempt number) and
/// replies with its result, whenever it is done. `stop` asks it to abandon
/// the attempt early (timeout, cancel, shutdown); its reply is then ignored.
using handler_actor =
    caf::typed_actor<caf::replies_to<atoms::run, job>::with<job_result>,
                     caf::reacts_to<atoms::stop, job_id, std::int32_t>>;

/// Whom the store actor tells that every turn up to a sequence number is
/// durable, or that the transaction holding them failed.
using commit_listener =
    caf::typed_actor<caf::reacts_to<atoms::committed, commit_report>>;

/// Group commit for one store (see actors/store_actor.hpp).
using store_actor = caf::typed_actor<
    caf::reacts_to<atoms::commit, std::uint64_t, store_batch>,
    caf::reacts_to<atoms::flush>,
    caf::replies_to<atoms::stats>::with<store_stats>>;

/// The supervisor: decides every transition, holds the working set (see
/// actors/supervisor.hpp).
using supervisor_actor = caf::typed_actor<
    caf::replies_to<atoms::enqueue, job_specs>::with<enqueue_results>,
    caf::replies_to<atoms::stats>::with<runtime_stats>,
    // An operator's change: the job as the caller read it from the store
    // (nullopt: not found there), decided on the supervisor's copy if it
    // holds the job.
    caf::replies_to<atoms::cancel, job_id, stored_job>::with<job_reply>,
    caf::replies_to<atoms::requeue, job_id, stored_job>::with<job_reply>,
    caf::replies_to<atoms::purge, job_id, stored_job>::with<job_reply>,
    caf::reacts_to<atoms::subscribe, event_listener>,
    caf::replies_to<atoms::shutdown, duration>::with<shutdown_report>,
    // From jobrt's own actors and worker threads:
    caf::reacts_to<atoms::fired, std::vector<std::uint64_t>>,
    caf::reacts_to<breaker_update>,
    caf::reacts_to<atoms::results>,
    caf::reacts_to<atoms::grace>,
    caf::reacts_to<atoms::committed, commit_report>,
    caf::reacts_to<atoms::recommit>,
    caf::reacts_to<atoms::prune>,
    caf::reacts_to<atoms::stage>,
    caf::reacts_to<atoms::poll>,
    caf::reacts_to<atoms::wake>,
    caf::replies_to<atoms::stats, atoms::commit>::with<store_stats>>;

} // namespace jobrt

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::job_specs)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::enqueue_results)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::job_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::page_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::job_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::job_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::job_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::runtime_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::shutdown_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::event_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::breaker_reports)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::breaker_update)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobrt::breaker_status>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::deadline_commands)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::timer_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::duration)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::store_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::store_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::commit_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobrt::stored_job)
