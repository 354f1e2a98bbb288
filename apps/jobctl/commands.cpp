#include "commands.hpp"

#include "job_text.hpp"

#include "jobrt/actors/transitions.hpp"
#include "jobrt/messages/job_json.hpp"
#include "jobrt/persistence/sqlite_store.hpp"

#include <memory>
#include <utility>

namespace jobctl {

namespace {

using jobrt::sqlite_store;
using jobrt::store_error;
using store_handle = std::unique_ptr<sqlite_store>;
using code_type = command_error::code_type;

command_error store_failure(const store_error& e) {
  return {code_type::store_failure, std::string(jobrt::to_string(e.code)),
          e.message};
}

command_error refused(std::string reason, std::string message) {
  return {code_type::refused, std::move(reason), std::move(message)};
}

jobrt::result<store_handle, command_error>
open_for_reading(const global_options& g) {
  auto store = sqlite_store::open_reader(g.db_path);
  if (!store)
    return store_failure(store.error());
  return std::move(store).value();
}

jobrt::result<store_handle, command_error>
open_for_changing(const global_options& g) {
  jobrt::sqlite_options options;
  options.create_if_missing = false; // a mistyped path is not a new store
  auto store = sqlite_store::open(g.db_path, options);
  if (store)
    return std::move(store).value();
  if (store.error().code == store_error::code_type::locked)
    return command_error{
        code_type::store_failure, "locked",
        g.db_path + " is in use by a running jobrt runtime; changes go "
                    "through the runtime while it runs (or stop it first)"};
  return store_failure(store.error());
}

/// A unique key taken by another live job refuses the change (like a
/// transition the state forbids); any other failure is the store's.
command_error commit_failure(const store_error& e) {
  if (e.code == store_error::code_type::conflict)
    return refused(std::string(jobrt::to_string(e.code)), e.message);
  return store_failure(e);
}

jobrt::result<jobrt::job, command_error> find_job(sqlite_store& store,
                                                  jobrt::job_id id) {
  auto found = store.find(id);
  if (!found)
    return store_failure(found.error());
  if (!found.value())
    return refused("not_found", "no job with id " + std::to_string(id));
  return std::move(*found.value());
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
  BOOST_OUTCOME_TRY(store, open_for_changing(g));
  BOOST_OUTCOME_TRY(current, find_job(*store, id));
  auto next = jobrt::apply_event(current, event_of(change),
                                 jobrt::wall_clock_now());
  if (!next)
    return refused(std::string(jobrt::to_string(next.error().code)),
                   next.error().message());
  jobrt::store_batch batch;
  batch.upserts.push_back(next.value());
  if (auto committed = store->commit(batch); !committed)
    return commit_failure(committed.error());
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
  BOOST_OUTCOME_TRY(store, open_for_changing(g));
  auto purged =
      store->purge_finished(o.state, jobrt::wall_clock_now() - o.older_than);
  if (!purged)
    return store_failure(purged.error());
  if (g.json)
    out << jobrt::dump_json({{"purged", purged.value()}}) << '\n';
  else
    out << "purged " << purged.value() << ' ' << jobrt::to_string(o.state)
        << " job" << (purged.value() == 1 ? "" : "s") << '\n';
  return jobrt::outcome::success();
}

} // namespace jobctl
