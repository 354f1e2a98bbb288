// jobrt-example: how to embed jobrt in a service.
//
// A service registers one handler per job type, starts the runtime,
// subscribes to its events, enqueues jobs and, at exit, shuts it down.
// Handlers come in two kinds, both shown here:
//  - a plain callable ("thumbnail"), run on jobrt's worker threads, where
//    blocking is fine as long as it waits with ctx.sleep_for;
//  - a handler actor ("webhook") implementing jobrt::handler_actor, for
//    asynchronous work: it answers each attempt later through a response
//    promise, so no thread waits for the remote end.
// The program exits 0 only if every job ended as expected.

#include "jobrt/actors/runtime.hpp"
#include "jobrt/actors/runtime_caf.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;

// -- a callable handler -----------------------------------------------------

/// Pretends to resize the image named by the payload.
jobrt::job_result make_thumbnail(jobrt::job_context& ctx) {
  if (ctx.sleep_for(20ms)) // the "work"; returns early if asked to stop
    return jobrt::job_error::transient("stopped");
  if (ctx.payload().empty())
    return jobrt::job_error::permanent("no_image", "the payload names no image");
  return jobrt::job_output{"thumb/" + std::string(ctx.payload())};
}

// -- a handler actor ----------------------------------------------------------

/// The actor's own note that the HTTP response to an attempt arrived, with
/// its status code. Extending handler_actor keeps this message private:
/// jobrt only sees a handler_actor.
using responded_atom = caf::atom_constant<caf::atom("responded")>;
using webhook_actor = jobrt::handler_actor::extend<caf::reacts_to<
    responded_atom, jobrt::job_id, std::int32_t, std::int32_t>>;

struct webhook_state {
  /// Attempts waiting for their (simulated) HTTP response.
  std::map<std::pair<jobrt::job_id, std::int32_t>,
           caf::typed_response_promise<jobrt::job_result>>
      waiting;
};

/// Posts the payload to a URL; a URL containing "flaky" answers 503 to the
/// first attempt, so that job succeeds on its retry.
webhook_actor::behavior_type
webhook(webhook_actor::stateful_pointer<webhook_state> self,
        std::chrono::milliseconds latency) {
  return {
      [self, latency](jobrt::atoms::run, const jobrt::job& j)
          -> caf::result<jobrt::job_result> {
        auto promise = self->make_response_promise<jobrt::job_result>();
        self->state.waiting.emplace(std::pair{j.id, j.attempt}, promise);
        bool flaky = j.payload.find("flaky") != std::string::npos;
        std::int32_t status = flaky && j.attempt == 1 ? 503 : 200;
        // Stands for an HTTP client calling back `latency` later.
        self->delayed_send(self, latency, responded_atom::value, j.id, j.attempt,
                           status);
        return promise;
      },
      [self](responded_atom, jobrt::job_id id, std::int32_t attempt,
             std::int32_t status) {
        auto i = self->state.waiting.find({id, attempt});
        if (i == self->state.waiting.end())
          return; // stopped meanwhile: nobody waits for this answer
        if (status == 200)
          i->second.deliver(jobrt::job_result{jobrt::job_output{"HTTP 200"}});
        else
          i->second.deliver(jobrt::job_result{jobrt::job_error::transient(
              "http_" + std::to_string(status), "the endpoint failed")});
        self->state.waiting.erase(i);
      },
      // jobrt gave up on the attempt (timeout, cancel, shutdown). Answer at
      // once: a cancelled job ends only when its attempt replies.
      [self](jobrt::atoms::stop, jobrt::job_id id, std::int32_t attempt) {
        auto i = self->state.waiting.find({id, attempt});
        if (i == self->state.waiting.end())
          return;
        i->second.deliver(
            jobrt::job_result{jobrt::job_error::transient("stopped")});
        self->state.waiting.erase(i);
      },
  };
}

// -- the service ----------------------------------------------------------------

bool register_handlers(jobrt::runtime& rt, const webhook_actor& hook) {
  jobrt::job_type_options quick;
  quick.retry.backoff = jobrt::fixed_backoff{50ms};
  quick.timeout = 1s;
  auto thumbnail = rt.handle("thumbnail", make_thumbnail, quick);
  auto webhooks = jobrt::runtime_caf::handle(rt, "webhook", hook, quick);
  for (const auto* added : {&thumbnail, &webhooks})
    if (!*added) {
      std::printf("cannot register: %s\n", added->error().message().c_str());
      return false;
    }
  return true;
}

void print_event(const jobrt::job_transition_event& e) {
  auto from = e.from ? std::string(jobrt::to_string(*e.from)) : "new";
  auto to = e.to ? std::string(jobrt::to_string(*e.to)) : "purged";
  std::printf("  event: job %lld (%s) %s -> %s%s\n",
              static_cast<long long>(e.id), e.type.c_str(), from.c_str(),
              to.c_str(), e.error ? (", " + e.error->code).c_str() : "");
}

jobrt::job_spec spec(std::string type, std::string payload,
                     std::optional<std::string> unique_key = std::nullopt) {
  jobrt::job_spec s;
  s.type = std::move(type);
  s.payload = std::move(payload);
  s.unique_key = std::move(unique_key);
  return s;
}

/// Enqueues the jobs; the second "paid" webhook shares the first's unique
/// key, so it is not added again. Returns the ids that should complete.
std::vector<jobrt::job_id> enqueue_jobs(jobrt::runtime& rt, bool& deduped) {
  jobrt::job_specs specs{
      spec("thumbnail", "cat.jpg"),
      spec("thumbnail", "dog.png"),
      spec("webhook", "https://shop.example/flaky-hook"),
      spec("webhook", "https://crm.example/paid", "order-42-paid"),
      spec("webhook", "https://crm.example/paid", "order-42-paid"),
  };
  std::vector<jobrt::job_id> ids;
  auto results = rt.enqueue(std::move(specs));
  for (const auto& r : results) {
    if (!r) {
      std::printf("enqueue refused: %s\n", jobrt::describe(r.error()).c_str());
      continue;
    }
    if (r.value().existing)
      deduped = !ids.empty() && r.value().id == ids.back();
    else
      ids.push_back(r.value().id);
  }
  return ids;
}

/// Polls the counters until `count` jobs are completed (at most ~2 s).
bool await_completed(jobrt::runtime& rt, std::size_t count) {
  for (int i = 0; i < 100; ++i) {
    auto stats = rt.stats();
    if (stats && stats.value().count(jobrt::job_state::completed) >= count)
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

void print_results(jobrt::runtime& rt, const std::vector<jobrt::job_id>& ids,
                   bool deduped) {
  std::printf("results (the duplicate enqueue %s):\n",
              deduped ? "returned the existing job" : "was NOT deduplicated");
  for (auto id : ids) {
    auto j = rt.get(id);
    if (!j)
      continue;
    std::printf("  job %lld %-9s %-34s %s after %d attempt(s)\n",
                static_cast<long long>(id), j.value().type.c_str(),
                j.value().payload.c_str(),
                std::string(jobrt::to_string(j.value().state)).c_str(),
                j.value().attempt);
  }
}

} // namespace

int main() {
  jobrt::runtime_config config;
  config.worker_threads = 2;
  config.logger = spdlog::stderr_color_mt("example");
  config.logger->set_level(spdlog::level::warn);
  jobrt::runtime rt{config};

  // (At least one spawn argument: CAF 0.17 trips UBSan on spawns without.)
  auto hook = jobrt::runtime_caf::system(rt).spawn(webhook, 30ms);
  bool ok = register_handlers(rt, hook) && rt.start() &&
            rt.subscribe([](const jobrt::event_batch& batch) {
              for (const auto& e : batch.jobs)
                print_event(e);
            });
  bool deduped = false;
  std::vector<jobrt::job_id> ids;
  if (ok) {
    ids = enqueue_jobs(rt, deduped);
    ok = ids.size() == 4 && deduped && await_completed(rt, ids.size());
  }
  print_results(rt, ids, deduped);
  (void) rt.shutdown(500ms); // also stops the webhook actor it was given
  std::printf("%s\n", ok ? "all jobs completed" : "FAILED");
  return ok ? 0 : 1;
}
