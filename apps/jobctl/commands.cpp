#include "commands.hpp"

#include "job_text.hpp"
#include "store_access.hpp"

#include "jobrt/actors/transitions.hpp"
#include "jobrt/messages/job_json.hpp"

#include <memory>
#include <utility>

namespace jobctl {

namespace {

using code_type = command_error::code_type;

command_error refused(std::string reason, std::string message) {
  return {code_type::refused, std::move(reason), std::move(message)};
}

/// A write the store did not apply. A record it cannot hold names the
/// store's reason ("conflict": a unique key another live job holds); a
/// fence that no longer holds (a running runtime changed the job after
/// jobctl read it) names how the job moved.
command_error write_refused(const jobrt::write_refusal& r) {
  if (r.error)
    return refused(std::string(jobrt::to_string(r.error->code)),
                   r.error->message);
  auto message = "job " + std::to_string(r.id) + " was not changed (" +
                 std::string(jobrt::to_string(r.code)) + ")";
  if (r.found)
    message += ": it is " + std::string(jobrt::to_string(r.found->state)) +
               " on attempt " + std::to_string(r.found->attempt) + " now";
  return refused(std::string(jobrt::to_string(r.code)), std::move(message));
}

jobrt::result<jobrt::job, command_error> find_job(jobrt::job_reader& reader,
                                                  jobrt::job_id id) {
  auto found = reader.find(id);
  if (!found)
    return store_failure(found.error());
  if (!found.value())
    return refused("not_found", "no job with id " + std::to_string(id));
  return std::move(*found.value());
}

/// One commit of `batch`; a failure of the store is the command's.
jobrt::result<jobrt::store_receipt, command_error>
commit(jobrt::job_store& store, jobrt::store_batch batch) {
  auto receipt = store.commit(batch);
  if (!receipt)
    return store_failure(receipt.error());
  return std::move(receipt).value();
}

/// Removes the jobs of `state` finished before now - age.
jobrt::purge_request purge_of(jobrt::job_state state, jobrt::duration age) {
  jobrt::purge_request r;
  r.now = jobrt::wall_clock_now();
  switch (state) {
    case jobrt::job_state::completed: r.completed = age; break;
    case jobrt::job_state::dead: r.dead = age; break;
    case jobrt::job_state::cancelled: r.cancelled = age; break;
    default: break;
  }
  return r;
}

jobrt::job_event event_of(job_change change) {
  switch (change) {
    case job_change::cancel:
      return jobrt::events::cancel{};
    case job_change::requeue:
      return jobrt::events::requeue{};
  }
  return jobrt::events::cancel{};
}

void print_record(const global_options& g, const jobrt::job& j,
                  std::ostream& out) {
  if (g.json)
    out << jobrt::dump_json(jobrt::to_json(j)) << '\n';
  else
    print_job(out, j);
}

/// A cancel of an attempt a running runtime runs: only that runtime can
/// stop it, so it is posted for it (an operator command), taken at its next
/// poll. A fenced write that set cancel_requested would keep the row's
/// fence, and the attempt's result would overwrite it.
command_result request_cancel(const global_options& g, jobrt::job_store& store,
                              const jobrt::job& current, jobrt::time_point now,
                              std::ostream& out) {
  jobrt::store_batch batch;
  batch.post_commands.push_back(jobrt::operator_command{
      current.id, jobrt::operator_command::kind_type::cancel, now});
  // A posted command is never refused: only a failure of the store stops it.
  BOOST_OUTCOME_TRYV(commit(store, std::move(batch)));
  if (g.json)
    out << jobrt::dump_json({{"id", current.id},
                             {"state", std::string(jobrt::to_string(current.state))},
                             {"cancel", "requested"}})
        << '\n';
  else
    out << "job " << current.id
        << ": cancel requested; the running attempt is asked to stop\n";
  return jobrt::outcome::success();
}

nlohmann::json page_json(const jobrt::job_page& page) {
  auto jobs = nlohmann::json::array();
  for (const auto& j : page.jobs)
    jobs.push_back(jobrt::to_json(j));
  nlohmann::json next = nullptr;
  if (page.next_after)
    next = *page.next_after;
  return {{"jobs", std::move(jobs)}, {"next_after", std::move(next)}};
}

} // namespace

void print_error(bool json, const command_error& e, std::ostream& out,
                 std::ostream& err) {
  if (json)
    out << jobrt::dump_json(
               {{"error", {{"code", e.reason}, {"message", e.message}}}})
        << '\n';
  else
    err << "jobctl: " << e.message << '\n';
}

command_result show_stats(const global_options& g, std::ostream& out) {
  BOOST_OUTCOME_TRY(store, open_for_reading(g));
  auto counts = store->count_by_state();
  if (!counts)
    return store_failure(counts.error());
  if (!g.json) {
    print_state_counts(out, counts.value());
    return jobrt::outcome::success();
  }
  // In state order, not sorted; the names are ASCII, so dump cannot throw.
  auto doc = nlohmann::ordered_json::object();
  for (auto state : jobrt::all_job_states)
    doc[std::string(jobrt::to_string(state))] =
        counts.value()[static_cast<std::size_t>(state)];
  out << doc.dump() << '\n';
  return jobrt::outcome::success();
}

command_result list_jobs(const global_options& g, const list_options& o,
                         std::ostream& out) {
  BOOST_OUTCOME_TRY(store, open_for_reading(g));
  jobrt::job_query query{o.state, o.type, o.queue, o.after, o.limit};
  auto page = store->list(query);
  if (!page)
    return store_failure(page.error());
  if (g.json)
    out << jobrt::dump_json(page_json(page.value())) << '\n';
  else
    print_job_page(out, page.value());
  return jobrt::outcome::success();
}

command_result show_job(const global_options& g, jobrt::job_id id,
                        std::ostream& out) {
  BOOST_OUTCOME_TRY(store, open_for_reading(g));
  BOOST_OUTCOME_TRY(record, find_job(*store, id));
  print_record(g, record, out);
  return jobrt::outcome::success();
}

command_result change_job(const global_options& g, jobrt::job_id id,
                          job_change change, std::ostream& out) {
  BOOST_OUTCOME_TRY(target, open_for_changing(g));
  auto& store = *target.store;
  BOOST_OUTCOME_TRY(current, find_job(*store.reader(), id));
  auto now = jobrt::wall_clock_now();
  auto next = jobrt::apply_event(current, event_of(change), now);
  if (!next)
    return refused(std::string(jobrt::to_string(next.error().code)),
                   next.error().message());
  if (change == job_change::cancel && target.runtime_may_run &&
      current.state == jobrt::job_state::processing)
    return request_cancel(g, store, current, now, out);
  // Fenced on the record the change was decided from.
  jobrt::store_batch batch;
  batch.writes.push_back(
      jobrt::job_write{next.value(), jobrt::job_fence::of(current)});
  BOOST_OUTCOME_TRY(receipt, commit(store, std::move(batch)));
  if (!receipt.refused.empty())
    return write_refused(receipt.refused.front());
  print_record(g, next.value(), out);
  return jobrt::outcome::success();
}

command_result purge_jobs(const global_options& g, const purge_options& o,
                          std::ostream& out) {
  if (!jobrt::is_terminal(o.state))
    return refused("not_terminal",
                   "purge takes a terminal state (completed, dead or "
                   "cancelled), not '" +
                       std::string(jobrt::to_string(o.state)) + "'");
  BOOST_OUTCOME_TRY(target, open_for_changing(g));
  auto request = purge_of(o.state, o.older_than);
  // In bounded transactions, each removing at most request.limit jobs,
  // until one finds fewer: no transaction grows with the file.
  std::uint64_t purged = 0;
  for (;;) {
    jobrt::store_batch batch;
    batch.purge = request;
    BOOST_OUTCOME_TRY(receipt, commit(*target.store, std::move(batch)));
    purged += receipt.purged;
    if (receipt.purged < request.limit)
      break;
  }
  if (g.json)
    out << jobrt::dump_json({{"purged", purged}}) << '\n';
  else
    out << "purged " << purged << ' ' << jobrt::to_string(o.state) << " job"
        << (purged == 1 ? "" : "s") << '\n';
  return jobrt::outcome::success();
}

} // namespace jobctl
