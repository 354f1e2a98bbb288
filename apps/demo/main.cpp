// jobrt-demo: a payment service's jobs, simulated on the pure core.
//
// 2,000 "charge" jobs go through the transition function, the retry policy
// and the circuit breaker of their key, on simulated time. The payment
// gateway is healthy, has an outage from t=20 s to t=40 s, then recovers:
// the breaker opens during the outage, so waiting jobs spend no attempts,
// and closes after it. One charge in twenty is declined for good (a
// permanent error: dead at once), and one in a hundred makes the gateway
// hang: every attempt times out and a rule gives up after the second.
// Everything is deterministic: the jitter source is seeded and the clock is
// simulated. The actor runtime will replace this loop with the supervisor,
// workers, timer and breaker actors.

#include "simulation.hpp"

#include "jobrt/actors/circuit_breaker.hpp"
#include "jobrt/actors/retry_policy.hpp"
#include "jobrt/actors/transitions.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

namespace {

using namespace std::chrono_literals;
using jobrt::duration;
using jobrt::job_state;
using jobrt::time_point;

constexpr int job_count = 2000;
constexpr int concurrency = 8;
constexpr duration service_time = 100ms;
constexpr duration attempt_timeout = 2s;
constexpr duration arrival_gap = 30ms;
constexpr time_point epoch{};
constexpr time_point outage_begin = epoch + 20s;
constexpr time_point outage_end = epoch + 40s;
constexpr duration progress_every = 10s;

/// What the simulated gateway answers to job `index` at `at`; nullopt is
/// success. A timeout means no answer at all: the attempt deadline fails it.
std::optional<jobrt::job_error> gateway_answer(int index, time_point at) {
  if (index % 100 == 42)
    return jobrt::job_error::timeout("gateway never answered");
  if (index % 20 == 7)
    return jobrt::job_error::permanent("card_declined", "issuer said no");
  if (at >= outage_begin && at < outage_end)
    return jobrt::job_error::transient("unavailable", "503 from gateway");
  return std::nullopt;
}

jobrt::retry_policy payment_policy() {
  jobrt::retry_policy policy;
  policy.max_attempts = 8;
  policy.backoff = jobrt::exponential_backoff{1s, 2.0, 60s};
  policy.jitter = {jobrt::jitter_kind::proportional, 0.1};
  // A charge that hung twice will hang again: stop sooner.
  policy.rules.push_back(jobrt::error_rule{
      std::string(jobrt::error_codes::timeout), 2, std::nullopt, false});
  return policy;
}

// 25 transient failures among the last 50 calls trip it: an outage within
// a second, while the few hanging charges never can. The cooldown starts at
// 5 s and doubles on each trip without recovery, up to 40 s; 3 probes.
jobrt::breaker_config payment_breaker() {
  return jobrt::breaker_config{jobrt::count_window{50},
                               jobrt::failure_count_threshold{25}, 5s, 2.0,
                               40s, 3};
}

double seconds(time_point t) {
  return std::chrono::duration<double>(t - epoch).count();
}

struct totals {
  int attempts = 0;
  int retries = 0;
  int breaker_trips = 0;
};

class demo {
public:
  demo() : policy_(payment_policy()), random_(jobrt::seeded_unit_random(2026)) {}

  void run() {
    const auto started = std::chrono::steady_clock::now();
    enqueue_all();
    auto next_progress = epoch;
    while (sim_.step()) {
      dispatch();
      if (sim_.now() >= next_progress) {
        print_progress();
        next_progress = sim_.now() + progress_every;
      }
    }
    print_summary(std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - started)
                      .count());
  }

private:
  void enqueue_all() {
    const jobrt::job_defaults defaults{policy_.attempt_ceiling(),
                                       attempt_timeout};
    for (int i = 0; i < job_count; ++i) {
      jobrt::job_spec spec;
      spec.type = "charge";
      spec.payload = nlohmann::json{{"order", i}, {"cents", 500 + i}}.dump();
      // Arrivals spread over the first minute, so some land in the outage.
      spec.run_at = epoch + i * arrival_gap;
      auto job = jobrt::make_job(spec, i + 1, defaults, epoch);
      if (job.state == job_state::scheduled)
        arm_due(job);
      note_ready(job);
      jobs_.emplace(job.id, std::move(job));
    }
  }

  bool apply(jobrt::job_id id, const jobrt::job_event& event) {
    auto next = jobrt::apply_event(jobs_.at(id), event, sim_.now());
    if (!next) {
      std::printf("  rejected: %s\n", next.error().message().c_str());
      return false;
    }
    jobs_.at(id) = std::move(next).value();
    return true;
  }

  // One breaker per key, made on first use, as the breaker actor will.
  jobrt::circuit_breaker& breaker_of(const std::string& key) {
    return breakers_.try_emplace(key, payment_breaker()).first->second;
  }

  void arm_due(const jobrt::job& job) {
    sim_.at(job.run_at, [this, id = job.id] {
      if (apply(id, jobrt::events::due{}))
        note_ready(jobs_.at(id));
    });
  }

  // Pending jobs run by priority, then by how long they have been due, as
  // the supervisor will dispatch them: a job back from its backoff queues
  // behind those that waited while it was retrying.
  void note_ready(const jobrt::job& job) {
    if (job.state == job_state::pending)
      ready_.emplace(job.priority, job.run_at, job.id);
  }

  // A job whose breaker refuses it stays in ready_, pending, and spends no
  // attempt; jobs of other keys go past it.
  void dispatch() {
    for (auto it = ready_.begin();
         it != ready_.end() && in_flight_ < concurrency;) {
      const auto id = std::get<jobrt::job_id>(*it);
      if (!breaker_of(jobs_.at(id).breaker_key).try_admit()) {
        ++it;
        continue;
      }
      it = ready_.erase(it);
      if (!apply(id, jobrt::events::dispatch{}))
        continue;
      ++in_flight_;
      ++totals_.attempts;
      start_attempt(jobs_.at(id));
    }
  }

  void start_attempt(const jobrt::job& job) {
    const auto attempt = job.attempt;
    auto answer = gateway_answer(static_cast<int>(job.id - 1), sim_.now());
    // The attempt deadline, as the timer actor will arm it.
    sim_.at(sim_.now() + job.timeout, [this, id = job.id, attempt] {
      finish(id, attempt, jobrt::job_error::timeout("attempt deadline passed"));
    });
    if (answer && answer->kind == jobrt::error_kind::timeout)
      return; // no reply ever comes; the deadline fails the attempt
    sim_.at(sim_.now() + service_time,
            [this, id = job.id, attempt, answer] { finish(id, attempt, answer); });
  }

  void finish(jobrt::job_id id, std::int32_t attempt,
              const std::optional<jobrt::job_error>& error) {
    const auto& job = jobs_.at(id);
    // The deadline of an attempt that already answered: the timer actor
    // cancels these, the simulation ignores them.
    if (job.state != job_state::processing || job.attempt != attempt)
      return;
    --in_flight_;
    const auto& key = job.breaker_key;
    observe(key, breaker_of(key).record(
                     error ? jobrt::outcome_of(error->kind)
                           : jobrt::call_outcome::success,
                     sim_.now()));
    if (!error) {
      apply(id, jobrt::events::success{attempt});
      return;
    }
    const auto decision = jobrt::decide_retry(policy_, attempt,
                                              job.max_attempts, *error, random_);
    apply(id, jobrt::events::failure{attempt, *error, decision.delay});
    const auto& failed = jobs_.at(id);
    if (failed.state == job_state::retrying) {
      ++totals_.retries;
      arm_due(failed);
    }
  }

  void observe(const std::string& key,
               const std::optional<jobrt::breaker_transition>& change) {
    if (!change)
      return;
    std::printf("  %s breaker %s -> %s at t=%.1fs\n", key.c_str(),
                std::string(jobrt::to_string(change->from)).c_str(),
                std::string(jobrt::to_string(change->to)).c_str(),
                seconds(change->at));
    if (change->to != jobrt::breaker_state::open)
      return;
    ++totals_.breaker_trips;
    sim_.at(*change->reopen_at, [this, key] {
      observe(key, breaker_of(key).cooldown_elapsed(sim_.now()));
    });
  }

  std::map<job_state, int> count_states() const {
    std::map<job_state, int> counts;
    for (const auto& [id, job] : jobs_)
      ++counts[job.state];
    return counts;
  }

  std::string breaker_states() const {
    std::string text;
    for (const auto& [key, breaker] : breakers_)
      text += "  breaker " + key + " " +
              std::string(jobrt::to_string(breaker.state()));
    return text;
  }

  void print_progress() const {
    auto counts = count_states();
    std::printf("t=%5.1fs  completed %4d  dead %3d  retrying %3d  waiting %4d%s\n",
                seconds(sim_.now()), counts[job_state::completed],
                counts[job_state::dead], counts[job_state::retrying],
                counts[job_state::pending] + counts[job_state::scheduled],
                breaker_states().c_str());
  }

  void print_dead_letters(int dead) const {
    std::printf("Dead letters (first 5 of %d):\n", dead);
    int shown = 0;
    for (const auto& [id, job] : jobs_) {
      if (job.state != job_state::dead)
        continue;
      if (shown++ == 5)
        break;
      const auto& last = job.errors.back();
      std::printf("  job %lld after %d attempt(s): %s %s: %s\n",
                  static_cast<long long>(id), job.attempt,
                  std::string(jobrt::to_string(last.error.kind)).c_str(),
                  last.error.code.c_str(), last.error.message.c_str());
    }
  }

  void print_summary(double elapsed_s) const {
    auto counts = count_states();
    std::printf("\nSummary after %.1f simulated seconds (%.3f s of real time)\n",
                seconds(sim_.now()), elapsed_s);
    for (auto state : jobrt::all_job_states)
      std::printf("  %-10s %5d\n", std::string(jobrt::to_string(state)).c_str(),
                  counts[state]);
    std::printf("  attempts %d, retries %d, breaker trips %d\n",
                totals_.attempts, totals_.retries, totals_.breaker_trips);
    print_dead_letters(counts[job_state::dead]);
    nlohmann::json line{{"jobs", job_count},
                        {"completed", counts[job_state::completed]},
                        {"dead", counts[job_state::dead]},
                        {"cancelled", counts[job_state::cancelled]},
                        {"attempts", totals_.attempts},
                        {"breaker_trips", totals_.breaker_trips},
                        {"elapsed_s", elapsed_s},
                        {"simulated_s", seconds(sim_.now())}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
  }

  jobrt::demo::simulation sim_;
  jobrt::retry_policy policy_;
  jobrt::unit_random random_;
  std::map<std::string, jobrt::circuit_breaker> breakers_;
  std::map<jobrt::job_id, jobrt::job> jobs_;
  /// Pending jobs in dispatch order: (priority, run_at, id).
  std::set<std::tuple<std::int32_t, time_point, jobrt::job_id>> ready_;
  int in_flight_ = 0;
  totals totals_;
};

} // namespace

int main() {
  demo{}.run();
  return 0;
}
