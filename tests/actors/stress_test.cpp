// Many jobs on many threads with transient and permanent failures, hung
// attempts, a breaker and concurrent cancels, on the real scheduler. At the
// end it checks DESIGN.md's invariants. CI runs it under ThreadSanitizer.
// JOBRT_STRESS_JOBS scales it (default 3,000).

#include "event_recorder.hpp"

#include "jobrt/actors/runtime.hpp"
#include "jobrt/persistence/memory_store.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace jobrt;
using namespace jobrt::testing;
using namespace std::chrono_literals;

namespace {

/// What the handlers saw, kept outside the runtime.
class execution_log {
public:
  void begin(job_id id, std::int32_t attempt) {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!active_.insert(id).second)
      ++overlaps_;
    attempts_[id].push_back(attempt);
  }
  void end(job_id id) {
    std::lock_guard<std::mutex> guard{mutex_};
    active_.erase(id);
  }
  std::map<job_id, std::vector<std::int32_t>> attempts() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return attempts_;
  }
  int overlaps() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return overlaps_;
  }

private:
  mutable std::mutex mutex_;
  std::set<job_id> active_;
  std::map<job_id, std::vector<std::int32_t>> attempts_;
  int overlaps_ = 0;
};

std::uint64_t mix(job_id id, std::int32_t attempt) {
  auto x = static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull +
           static_cast<std::uint64_t>(attempt);
  x ^= x >> 31;
  return x * 0xBF58476D1CE4E5B9ull;
}

template <class Body>
job_handler recorded(execution_log& log, Body body) {
  return [&log, body](job_context& ctx) -> job_result {
    log.begin(ctx.id(), ctx.attempt());
    auto result = body(ctx);
    log.end(ctx.id());
    return result;
  };
}

std::size_t job_count() {
  if (const char* env = std::getenv("JOBRT_STRESS_JOBS"))
    return std::strtoul(env, nullptr, 10);
  return 3000;
}

} // namespace

TEST_CASE("under load with failures, every job ends and the invariants hold",
          "[runtime][stress]") {
  auto store = std::make_shared<memory_store>();
  runtime_config config;
  config.worker_threads = 6;
  config.max_in_flight = 64;
  config.store = store;
  config.jitter_seed = 11;
  config.logger = std::make_shared<spdlog::logger>(
      "jobrt-stress", std::make_shared<spdlog::sinks::null_sink_mt>());
  runtime rt{config};
  execution_log log;

  job_type_options flaky;
  flaky.retry.max_attempts = 6;
  flaky.retry.backoff = fixed_backoff{1ms};
  flaky.retry.jitter = {jitter_kind::full, 0.1};
  breaker_config breaker;
  breaker.window = count_window{20};
  breaker.threshold = failure_count_threshold{15};
  breaker.cooldown = 20ms;
  breaker.probes = 2;
  flaky.breaker = breaker;
  REQUIRE(rt.handle("flaky", recorded(log, [](job_context& ctx) -> job_result {
    if (mix(ctx.id(), ctx.attempt()) % 10 < 4)
      return job_error::transient("flaky");
    return job_output{};
  }), flaky));

  job_type_options picky;
  picky.retry.max_attempts = 3;
  picky.retry.backoff = fixed_backoff{1ms};
  REQUIRE(rt.handle("picky", recorded(log, [](job_context& ctx) -> job_result {
    if (ctx.id() % 7 == 0)
      return job_error::permanent("rejected");
    return job_output{};
  }), picky));

  job_type_options sluggish;
  sluggish.retry.max_attempts = 3;
  sluggish.retry.backoff = fixed_backoff{1ms};
  sluggish.timeout = 30ms;
  sluggish.concurrency = 3;
  REQUIRE(rt.handle("sluggish", recorded(log, [](job_context& ctx) -> job_result {
    if (ctx.id() % 11 == 0 && ctx.attempt() == 1)
      ctx.sleep_for(1h); // hangs until the timeout stops it
    return job_output{};
  }), sluggish));

  REQUIRE(rt.start());
  event_recorder events{rt};
  auto n = job_count();
  std::vector<job_id> ids;
  const char* types[] = {"flaky", "picky", "sluggish"};
  for (std::size_t batch = 0; batch < n; batch += 100) {
    job_specs specs;
    for (std::size_t i = batch; i < std::min(n, batch + 100); ++i) {
      job_spec s;
      s.type = types[i % 3];
      s.priority = static_cast<std::int32_t>(i % 4);
      specs.push_back(s);
    }
    for (auto& r : rt.enqueue(specs)) {
      REQUIRE(r);
      ids.push_back(r.value().id);
    }
    // Cancels race with dispatch, retries and completion.
    if (batch % 500 == 0)
      for (std::size_t k = 0; k < ids.size(); k += 97)
        (void) rt.cancel(ids[k]); // refused once terminal: fine
  }
  REQUIRE(events.wait_for_terminal(n, 120s));

  auto executions = log.attempts();
  std::size_t completed = 0;
  for (auto id : ids) {
    auto reply = rt.get(id);
    REQUIRE(reply);
    const auto& j = reply.value();
    INFO("job " << id << " " << to_string(j.state) << " attempt " << j.attempt);
    CHECK(is_terminal(j.state));
    CHECK(j.attempt <= j.max_attempts);
    const auto& runs = executions[id];
    // Attempt numbers only grow: nothing ran twice, nothing went back.
    CHECK(std::is_sorted(runs.begin(), runs.end()));
    CHECK(std::adjacent_find(runs.begin(), runs.end()) == runs.end());
    // An attempt stopped while still queued never ran, so runs may be
    // fewer than attempts, never more.
    CHECK(runs.size() <= static_cast<std::size_t>(j.attempt));
    if (j.state == job_state::completed) {
      ++completed;
      REQUIRE_FALSE(runs.empty());
      CHECK(runs.back() == j.attempt);
      CHECK(j.errors.size() == static_cast<std::size_t>(j.attempt - 1));
    }
    if (j.state == job_state::dead)
      CHECK(j.errors.size() == static_cast<std::size_t>(j.attempt));
    auto stored = store->find(id);
    REQUIRE(stored);
    CHECK(stored->state == j.state);
    CHECK(stored->attempt == j.attempt);
  }
  CHECK(log.overlaps() == 0);
  CHECK(completed > n / 2);

  auto stats = rt.stats().value();
  std::uint64_t terminal = stats.count(job_state::completed) +
                           stats.count(job_state::dead) +
                           stats.count(job_state::cancelled);
  CHECK(terminal == n);
  CHECK(stats.in_flight == 0);
  CHECK(stats.outcomes.timed_out >= 1);
  REQUIRE(rt.shutdown(5s));
}
