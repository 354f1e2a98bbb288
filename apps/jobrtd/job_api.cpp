#include "job_api.hpp"

#include "bulk_operations.hpp"
#include "metrics_text.hpp"
#include "problem.hpp"
#include "stats_json.hpp"

#include "jobrt/messages/job_json.hpp"

namespace jobrtd {

namespace {

using namespace std::chrono_literals;

/// Health checks answer within this even when the supervisor is stuck.
constexpr jobrt::duration probe_timeout = 2s;

api_response json_response(int status, const nlohmann::json& body) {
  return {status, "application/json", jobrt::dump_json(body), false};
}

api_response job_response(const jobrt::job_reply& reply) {
  if (!reply)
    return respond(problem_of(reply.error()));
  return json_response(200, jobrt::to_json(reply.value()));
}

nlohmann::json to_json(const jobrt::enqueue_result& r) {
  if (!r)
    return {{"problem", to_json(problem_of(r.error()))}};
  return {{"id", r.value().id}, {"existing", r.value().existing}};
}

} // namespace

job_api::job_api(jobrt::runtime& rt, const metrics_tally& tally,
                 const event_hub& hub)
  : rt_(rt), tally_(tally), hub_(hub) {}

api_response job_api::handle(const route& r, const query_params& params,
                             std::string_view body) {
  switch (r.target) {
    case endpoint::enqueue: return enqueue(body);
    case endpoint::list_jobs: return list(params);
    case endpoint::get_job: return get(r.id);
    case endpoint::cancel_job: return job_response(rt_.cancel(r.id));
    case endpoint::requeue_job: return job_response(rt_.requeue(r.id));
    case endpoint::purge_job: return job_response(rt_.purge(r.id));
    case endpoint::bulk_requeue: return bulk(body, bulk_action::requeue);
    case endpoint::bulk_purge: return bulk(body, bulk_action::purge);
    case endpoint::stats: return stats();
    case endpoint::breakers: return breakers();
    case endpoint::metrics: return metrics();
    case endpoint::healthz: return json_response(200, {{"status", "ok"}});
    case endpoint::readyz: return ready();
    case endpoint::events:
    case endpoint::whoami:
    case endpoint::dashboard: break;
  }
  return respond({500, "internal", "the server answers this endpoint itself", "", 0});
}

api_response job_api::enqueue(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded())
    return respond(problem_of(jobrt::parse_job_spec(body).error()));
  if (doc.is_object()) {
    auto spec = jobrt::job_spec_from_json(doc);
    if (!spec)
      return respond(problem_of(spec.error()));
    auto done = rt_.enqueue(std::move(spec).value());
    if (!done)
      return respond(problem_of(done.error()));
    return json_response(done.value().existing ? 200 : 201, to_json(done));
  }
  if (!doc.is_array())
    return respond({400, "wrong_type", "the body must be a job spec (an object) "
                                       "or an array of them", "", 0});
  jobrt::job_specs specs;
  specs.reserve(doc.size());
  for (std::size_t i = 0; i < doc.size(); ++i) {
    auto spec = jobrt::job_spec_from_json(doc[i]);
    if (!spec)
      return respond(problem_of(spec.error(), "[" + std::to_string(i) + "]"));
    specs.push_back(std::move(spec).value());
  }
  auto results = rt_.enqueue(std::move(specs));
  auto out = nlohmann::json::array();
  for (const auto& r : results)
    out.push_back(to_json(r));
  return json_response(200, {{"results", out}});
}

api_response job_api::list(const query_params& params) {
  auto query = job_query_of(params);
  if (!query)
    return respond(query.error());
  auto page = rt_.list(query.value());
  if (!page)
    return respond(problem_of(page.error()));
  auto jobs = nlohmann::json::array();
  for (const auto& j : page.value().jobs)
    jobs.push_back(jobrt::to_json(j));
  const auto& next = page.value().next_after;
  // Moved: an initializer list copies what it is given, and copying and
  // freeing a page of 50 jobs took a tenth of the request (perf).
  return json_response(200, {{"jobs", std::move(jobs)},
                             {"next_after", next ? nlohmann::json(*next)
                                                 : nlohmann::json()}});
}

api_response job_api::get(jobrt::job_id id) { return job_response(rt_.get(id)); }

api_response job_api::bulk(std::string_view body, bulk_action action) {
  auto filter = bulk_filter_of(body, action);
  if (!filter)
    return respond(filter.error());
  auto report = apply_bulk(rt_, filter.value(), action);
  if (report.stopped && report.matched == 0)
    return respond(problem_of(*report.stopped));
  return json_response(200, to_json(report));
}

api_response job_api::stats() {
  auto s = rt_.stats();
  if (!s)
    return respond(problem_of(s.error()));
  return json_response(200, stats_json(s.value()));
}

api_response job_api::breakers() {
  auto s = rt_.stats();
  if (!s)
    return respond(problem_of(s.error()));
  return json_response(200, breakers_json(s.value()));
}

api_response job_api::metrics() {
  auto s = rt_.stats();
  if (!s)
    return respond(problem_of(s.error()));
  auto commits = rt_.commit_stats();
  if (!commits)
    return respond(problem_of(commits.error()));
  return {200, "text/plain; version=0.0.4; charset=utf-8",
          render_metrics(s.value(), commits.value(), tally_.snapshot(),
                         {hub_.streams(), hub_.dropped()}),
          false};
}

api_response job_api::ready() {
  auto s = rt_.stats(probe_timeout);
  if (!s)
    return respond(problem_of(s.error()));
  if (s.value().store_failure)
    return respond({503, "store_failure", *s.value().store_failure, "", 0});
  return json_response(200, {{"status", "ready"}});
}

} // namespace jobrtd
