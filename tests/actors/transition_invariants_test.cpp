// Property test of the transition function: seeded random walks of many jobs
// through random events, random times and random (often stale) attempt
// numbers, checking DESIGN.md's invariants after every single step.
//
// A failure names the seed, the walk and the step. Walks are reproducible:
// set JOBRT_TEST_SEED to the reported seed to replay them exactly.

#include <catch2/catch.hpp>

#include "jobrt/actors/transitions.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

using namespace std::chrono_literals;
using jobrt::job;
using jobrt::job_event;
using jobrt::job_state;
using jobrt::time_point;
using code_type = jobrt::transition_error::code_type;
namespace events = jobrt::events;

namespace {

// 5,000 walks of 100 steps by default: about 3 s in the -O0 sanitizer
// build. JOBRT_TEST_WALKS asks for more (a soak run) without a rebuild.
constexpr int default_walk_count = 5'000;
constexpr int steps_per_walk = 100;
constexpr std::uint64_t default_seed = 0x6a6f6272'74000001;

const time_point t0{std::chrono::milliseconds(1'700'000'000'000)};

std::uint64_t seed_from_env() {
  if (const char* text = std::getenv("JOBRT_TEST_SEED"))
    return std::strtoull(text, nullptr, 0);
  return default_seed;
}

int walk_count_from_env() {
  if (const char* text = std::getenv("JOBRT_TEST_WALKS"))
    return static_cast<int>(std::strtol(text, nullptr, 10));
  return default_walk_count;
}

// splitmix64 rather than <random>'s distributions, whose results differ
// between standard libraries: a reported seed must replay everywhere.
class rng {
public:
  explicit rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform enough in [lo, hi] for a test; hi - lo is small.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(next() % span);
  }

  bool chance(int percent) { return between(0, 99) < percent; }

  template <class T, std::size_t N>
  T pick(const std::array<T, N>& items) {
    return items[static_cast<std::size_t>(between(0, N - 1))];
  }

private:
  std::uint64_t state_;
};

// Event kinds by their index in job_event.
enum kind : std::size_t {
  due, dispatch, success, failure, release, cancel, requeue, purge, kind_count
};
static_assert(kind_count == std::variant_size_v<job_event>);

// The model: which (state, event) pairs DESIGN.md's table allows, as a matrix
// (the table test writes the same table line by line).
constexpr std::array<std::array<bool, kind_count>, jobrt::all_job_states.size()>
    allowed{{
        // due   dispatch success failure release cancel requeue purge
        {false, true,  false, false, false, true,  false, false}, // pending
        {true,  false, false, false, false, true,  false, false}, // scheduled
        {false, false, true,  true,  true,  true,  false, false}, // processing
        {true,  false, false, false, false, true,  false, false}, // retrying
        {false, false, false, false, false, false, false, true},  // completed
        {false, false, false, false, false, false, true,  true},  // dead
        {false, false, false, false, false, false, true,  true},  // cancelled
    }};

bool is_allowed(job_state s, std::size_t k) {
  return allowed[static_cast<std::size_t>(s)][k];
}

std::optional<std::int32_t> fenced_attempt(const job_event& e) {
  if (auto* s = std::get_if<events::success>(&e)) return s->attempt;
  if (auto* f = std::get_if<events::failure>(&e)) return f->attempt;
  if (auto* r = std::get_if<events::release>(&e)) return r->attempt;
  return std::nullopt;
}

/// What apply_event must answer, restated from the contract: nullopt for
/// "accepted", else the code of the rejection.
std::optional<code_type> expected_rejection(const job& j, const job_event& e,
                                            time_point now) {
  auto k = e.index();
  if (!is_allowed(j.state, k))
    return code_type::invalid_transition;
  if (auto attempt = fenced_attempt(e); attempt && *attempt != j.attempt)
    return code_type::stale_attempt;
  if ((k == due || k == dispatch) && now < j.run_at)
    return code_type::not_due;
  if (k == dispatch && j.attempt >= j.max_attempts)
    return code_type::attempts_exhausted;
  return std::nullopt;
}

/// The state an accepted event leads to, restated from the contract.
job_state expected_state(const job& j, const job_event& e) {
  // A cancel requested during the attempt decides how the attempt ends.
  auto ending_as = [&](job_state s) {
    return j.cancel_requested ? job_state::cancelled : s;
  };
  switch (e.index()) {
    case due:
    case requeue: return job_state::pending;
    case dispatch: return job_state::processing;
    case success: return ending_as(job_state::completed);
    case failure: {
      const auto& f = std::get<events::failure>(e);
      bool retry = f.error.kind != jobrt::error_kind::permanent &&
                   f.retry_delay && j.attempt < j.max_attempts;
      return ending_as(retry ? job_state::retrying : job_state::dead);
    }
    case release: return ending_as(job_state::pending);
    case cancel:
      return j.state == job_state::processing ? job_state::processing
                                              : job_state::cancelled;
    default: return j.state; // purge
  }
}

/// When a job that enters retrying may run next: now + backoff, with a
/// negative backoff meaning now and an overflowing one saturating.
time_point expected_retry_at(time_point now, jobrt::duration delay) {
  if (delay <= 0ms) return now;
  if (delay > time_point::max() - now) return time_point::max();
  return now + delay;
}

// --- generating a walk ---------------------------------------------------------

job random_job(rng& r, jobrt::job_id id, time_point now) {
  jobrt::job_spec spec;
  spec.type = r.chance(50) ? "email" : "resize";
  spec.payload = "{}";
  spec.max_attempts = static_cast<std::int32_t>(r.between(1, 6));
  if (r.chance(50))
    spec.run_at = now + std::chrono::milliseconds(r.between(-2'000, 5'000));
  return jobrt::make_job(spec, id, jobrt::job_defaults{}, now);
}

// Mostly the events the runtime would send in this state, so walks get deep;
// otherwise any kind at all, so every rejection is exercised too.
std::size_t random_kind(rng& r, job_state s) {
  if (r.chance(40))
    return static_cast<std::size_t>(r.between(0, kind_count - 1));
  switch (s) {
    case job_state::pending: return r.chance(85) ? dispatch : cancel;
    case job_state::scheduled:
    case job_state::retrying: return r.chance(85) ? due : cancel;
    case job_state::processing:
      return r.pick(std::array<std::size_t, 7>{success, failure, failure,
                                               failure, failure, release,
                                               cancel});
    case job_state::completed: return purge;
    case job_state::dead:
    case job_state::cancelled: return r.chance(70) ? requeue : purge;
  }
  return purge;
}

std::int32_t random_attempt(rng& r, const job& j) {
  if (r.chance(75))
    return j.attempt;
  return static_cast<std::int32_t>(r.between(-1, j.attempt + 2));
}

std::optional<jobrt::duration> random_retry_delay(rng& r) {
  auto roll = r.between(0, 99);
  if (roll < 20) return std::nullopt;
  if (roll < 25) return std::chrono::milliseconds(r.between(-5'000, -1));
  if (roll < 35) return 0ms;
  if (roll < 36) return jobrt::duration::max(); // must saturate, not overflow
  return std::chrono::milliseconds(r.between(1, 10'000));
}

job_event random_event(rng& r, const job& j) {
  switch (random_kind(r, j.state)) {
    case due: return events::due{};
    case dispatch: return events::dispatch{};
    case success: return events::success{random_attempt(r, j)};
    case failure: {
      jobrt::job_error error;
      error.kind = r.pick(jobrt::all_error_kinds);
      error.code = r.pick(std::array<std::string_view, 3>{
          "smtp_down", "not_found", "exception"});
      return events::failure{random_attempt(r, j), error,
                             random_retry_delay(r)};
    }
    case release: return events::release{random_attempt(r, j)};
    case cancel: return events::cancel{};
    case requeue: return events::requeue{};
    default: return events::purge{};
  }
}

time_point advance(rng& r, time_point now, const job& j) {
  auto roll = r.between(0, 99);
  // The wall clock can be stepped back (NTP); run_at must still hold.
  if (roll < 3) return now - std::chrono::milliseconds(r.between(1, 2'000));
  if (roll < 30) return now;
  if (roll < 70) return now + std::chrono::milliseconds(r.between(1, 1'000));
  if (roll < 90) return now + std::chrono::milliseconds(r.between(1, 60'000));
  // Land exactly on run_at, the boundary where due/dispatch become legal;
  // not on a saturated one, which means "never".
  if (j.run_at > now && j.run_at - now <= 1h)
    return j.run_at;
  return now;
}

// --- checking a step -------------------------------------------------------------

/// Remembers the first broken invariant. A plain bool per check keeps the
/// walks fast (a Catch assertion per check would cost more than the step);
/// Catch reports once, with the context, when something broke.
struct violations {
  std::string first;
  void expect(bool ok, std::string_view what) {
    if (!ok && first.empty())
      first = std::string(what);
  }
};

bool same_identity(const job& a, const job& b) {
  return a.id == b.id && a.type == b.type && a.queue == b.queue &&
         a.payload == b.payload && a.priority == b.priority &&
         a.max_attempts == b.max_attempts && a.timeout == b.timeout &&
         a.breaker_key == b.breaker_key && a.unique_key == b.unique_key &&
         a.created_at == b.created_at;
}

void check_rejection(const job& before, const job_event& e,
                     const jobrt::transition_error& error,
                     std::optional<code_type> expected, violations& v) {
  v.expect(expected.has_value(), "rejected an event the table allows");
  v.expect(!expected || error.code == *expected,
           "rejected with the wrong error code");
  v.expect(error.id == before.id && error.state == before.state &&
               error.event == jobrt::event_name(e),
           "the error does not name the job, its state and the event");
  if (error.code == code_type::stale_attempt)
    v.expect(error.job_attempt == before.attempt &&
                 error.event_attempt == fenced_attempt(e),
             "stale_attempt does not carry both attempt numbers");
}

void check_history(const job& before, const job_event& e, time_point now,
                   const job& next, violations& v) {
  const auto* f = std::get_if<events::failure>(&e);
  if (!f) {
    v.expect(next.errors == before.errors,
             "the error history changed without a failure");
    return;
  }
  v.expect(next.errors.size() == before.errors.size() + 1,
           "a failure did not append exactly one history entry");
  if (next.errors.size() != before.errors.size() + 1)
    return;
  v.expect(std::equal(before.errors.begin(), before.errors.end(),
                      next.errors.begin()),
           "a failure rewrote earlier history");
  v.expect(next.errors.back() == jobrt::attempt_error{f->attempt, f->error, now},
           "the history entry is not {attempt, error, now}");
}

void check_attempt_change(const job& before, std::size_t k, const job& next,
                          violations& v) {
  if (k == dispatch)
    v.expect(next.attempt == before.attempt + 1, "dispatch did not add 1");
  else if (k == release)
    v.expect(next.attempt == before.attempt - 1, "release did not give back");
  else if (k == requeue)
    v.expect(next.attempt == 0, "requeue did not reset the attempt");
  else
    v.expect(next.attempt == before.attempt, "the attempt changed");
}

void check_run_at(const job& before, const job_event& e, time_point now,
                  const job& next, violations& v) {
  auto k = e.index();
  if (next.state == job_state::retrying && k == failure)
    v.expect(next.run_at == expected_retry_at(
                                now, *std::get<events::failure>(e).retry_delay),
             "retrying run_at is not now + backoff");
  else if (next.state == job_state::pending && (k == release || k == requeue))
    v.expect(next.run_at == now, "a job given back or requeued is not due now");
  else if (!is_terminal(next.state))
    v.expect(next.run_at == before.run_at, "run_at changed");
}

void check_acceptance(const job& before, const job_event& e, time_point now,
                      const job& next, std::optional<code_type> expected,
                      violations& v) {
  auto k = e.index();
  v.expect(!expected, "accepted an event the contract rejects");
  v.expect(same_identity(before, next), "a field outside the machine changed");
  if (k == purge) {
    v.expect(next == before, "purge changed the record");
    return;
  }
  v.expect(next.updated_at == now, "updated_at is not now");
  v.expect(next.state == expected_state(before, e), "not the expected state");
  v.expect(next.cancel_requested ==
               (next.state == job_state::processing &&
                (before.cancel_requested || k == cancel)),
           "cancel_requested is not set exactly while a cancel is pending");
  check_run_at(before, e, now, next, v);
  if (is_terminal(before.state))
    v.expect(k == requeue && next.state == job_state::pending,
             "a terminal job left its state other than by requeue");
  if (next.state == job_state::processing) {
    bool entered = before.state != job_state::processing;
    v.expect(!entered || (k == dispatch && before.state == job_state::pending),
             "processing entered other than by dispatch from pending");
    v.expect(entered || k == cancel, "processing kept by an ending event");
    v.expect(!entered || now >= before.run_at, "dispatched before run_at");
  }
  if (is_terminal(next.state) && !is_terminal(before.state))
    v.expect(next.finished_at == now, "finished_at is not the finishing time");
  check_attempt_change(before, k, next, v);
  check_history(before, e, now, next, v);
}

void check_enqueued(const job& j, time_point now, violations& v) {
  v.expect(j.state == (j.run_at > now ? job_state::scheduled
                                      : job_state::pending),
           "enqueued neither pending nor scheduled as run_at says");
  v.expect(j.attempt == 0 && j.errors.empty() && !j.finished_at &&
               !j.cancel_requested && j.created_at == now &&
               j.updated_at == now,
           "an enqueued job does not start fresh");
}

void check_record(const job& j, std::size_t failures_accepted, violations& v) {
  v.expect(j.attempt >= 0, "negative attempt");
  v.expect(j.attempt <= j.max_attempts, "attempt above max_attempts");
  v.expect(j.finished_at.has_value() == is_terminal(j.state),
           "finished_at is set but the job is not terminal, or the reverse");
  v.expect(!j.cancel_requested || j.state == job_state::processing,
           "cancel_requested outside processing");
  v.expect(j.errors.size() == failures_accepted,
           "history is not one entry per accepted failure");
}

// --- walking -----------------------------------------------------------------------

struct coverage {
  std::array<std::array<long, kind_count>, jobrt::all_job_states.size()>
      accepted{};
  std::array<std::array<long, 4>, kind_count> rejected{}; ///< by event, code

  long rejections(std::size_t k, code_type code) const {
    return rejected[k][static_cast<std::size_t>(code)];
  }
};

struct walk {
  job final;
  std::string violation; ///< empty when every step held
};

std::uint64_t job_seed(std::uint64_t seed, int index) {
  return rng(seed ^ (static_cast<std::uint64_t>(index) << 32)).next();
}

std::string describe(int step, const job& before, const job_event& e,
                     time_point now, const std::string& violation) {
  std::ostringstream out;
  out << "step " << step << ": state '" << to_string(before.state)
      << "' attempt " << before.attempt << "/" << before.max_attempts
      << " + event '" << jobrt::event_name(e) << "'";
  if (auto a = fenced_attempt(e))
    out << " for attempt " << *a;
  out << " at run_at" << (now < before.run_at ? " - " : " + ")
      << std::abs((now - before.run_at).count()) << " ms: " << violation;
  return out.str();
}

// A new life: mostly a fresh enqueue; sometimes a record as a store may hold
// it that no event sequence makes (pending with every attempt used, e.g.
// after max_attempts was lowered), so attempts_exhausted is met as well.
job new_life(rng& r, jobrt::job_id id, time_point now, violations& v) {
  auto j = random_job(r, id, now);
  check_enqueued(j, now, v);
  if (r.chance(3)) {
    j.state = job_state::pending;
    j.run_at = now;
    j.attempt = j.max_attempts;
  }
  return j;
}

// One sequence of `steps_per_walk` events. A purge removes the job, as the
// store would, and the following events go to a newly enqueued one.
walk walk_one(std::uint64_t seed, int index, coverage& seen) {
  rng r(job_seed(seed, index));
  auto now = t0 + std::chrono::milliseconds(r.between(0, 1'000'000));
  auto first_id = static_cast<jobrt::job_id>(index) * steps_per_walk + 1;
  violations v;
  auto current = new_life(r, first_id, now, v);
  std::size_t failures_accepted = 0;
  check_record(current, failures_accepted, v);
  for (int step = 0; step < steps_per_walk && v.first.empty(); ++step) {
    now = advance(r, now, current);
    auto event = random_event(r, current);
    const auto before = current;
    auto expected = expected_rejection(before, event, now);
    auto next = jobrt::apply_event(current, event, now);
    v.expect(current == before, "apply_event modified its input");
    if (!next) {
      check_rejection(before, event, next.error(), expected, v);
      ++seen.rejected[event.index()][static_cast<std::size_t>(next.error().code)];
    } else {
      check_acceptance(before, event, now, next.value(), expected, v);
      ++seen.accepted[static_cast<std::size_t>(before.state)][event.index()];
      failures_accepted += event.index() == failure ? 1 : 0;
      current = std::move(next).value();
    }
    check_record(current, failures_accepted, v);
    if (!v.first.empty()) {
      v.first = describe(step, before, event, now, v.first);
    } else if (next && event.index() == purge) {
      current = new_life(r, first_id + step + 1, now, v);
      failures_accepted = 0;
    }
  }
  return {std::move(current), std::move(v.first)};
}

} // namespace

TEST_CASE("random walks of jobs keep every transition invariant",
          "[transitions][property]") {
  const auto seed = seed_from_env();
  CAPTURE(seed);
  coverage seen;
  const auto walk_count = walk_count_from_env();
  CAPTURE(walk_count);
  for (int index = 0; index < walk_count; ++index) {
    auto result = walk_one(seed, index, seen);
    if (!result.violation.empty())
      FAIL("seed " << seed << " (JOBRT_TEST_SEED), walk " << index << ", "
                   << result.violation);
  }

  // The walks must have exercised the machine, or passing means nothing:
  // every line of the table taken, every kind of rejection met.
  for (auto state : jobrt::all_job_states)
    for (std::size_t k = 0; k < kind_count; ++k) {
      auto taken = seen.accepted[static_cast<std::size_t>(state)][k];
      INFO("state '" << to_string(state) << "' + event '"
                     << jobrt::event_name(jobrt::every_event_kind()[k]) << "'");
      CHECK((taken > 0) == is_allowed(state, k));
    }
  for (std::size_t k = 0; k < kind_count; ++k) {
    INFO("event '" << jobrt::event_name(jobrt::every_event_kind()[k]) << "'");
    CHECK(seen.rejections(k, code_type::invalid_transition) > 0);
    CHECK((seen.rejections(k, code_type::stale_attempt) > 0) ==
          (k == success || k == failure || k == release));
    CHECK((seen.rejections(k, code_type::not_due) > 0) ==
          (k == due || k == dispatch));
    CHECK((seen.rejections(k, code_type::attempts_exhausted) > 0) ==
          (k == dispatch));
  }
}

TEST_CASE("a random walk replays exactly from its seed",
          "[transitions][property]") {
  const auto seed = seed_from_env();
  CAPTURE(seed);
  coverage ignored;
  for (int index = 0; index < 20; ++index) {
    auto first = walk_one(seed, index, ignored);
    auto again = walk_one(seed, index, ignored);
    CHECK(first.final == again.final);
  }
  // And the seed is what decides the walk.
  CHECK_FALSE(walk_one(seed, 0, ignored).final ==
              walk_one(seed + 1, 0, ignored).final);
}
