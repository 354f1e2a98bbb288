#include "w4_timer.hpp"

#include "heap_usage.hpp"
#include "percentiles.hpp"
#include "progress.hpp"
#include "report.hpp"

#include "jobrt/actors/clock.hpp"
#include "jobrt/actors/timer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <random>
#include <vector>

namespace bench {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::size_t commands_per_batch = 10'000;
constexpr jobrt::duration window = 10s;
constexpr jobrt::duration lead = 1s;
/// How long past the window's end the run waits for stragglers.
constexpr auto straggler_limit = 5s;

/// What the listener saw, indexed by deadline id - 1. `due` is written by
/// the main thread before the deadline is sent to the timer; the rest only
/// by the listener until `all_fired` is set (or the run gave up and the
/// listener has quit).
struct fire_log {
  explicit fire_log(std::size_t deadlines)
    : due(deadlines), lateness_ns(deadlines), fires(deadlines) {}

  std::vector<caf::actor_clock::time_point> due;
  std::vector<std::int64_t> lateness_ns;
  std::vector<std::uint8_t> fires;
  std::size_t duplicates = 0;
  std::size_t unknown = 0;
  std::atomic<std::size_t> fired_once{0};
  std::promise<void> all_fired;
};

void record_fired(fire_log& log, std::uint64_t id,
                  caf::actor_clock::time_point now) {
  if (id == 0 || id > log.due.size()) {
    ++log.unknown;
    return;
  }
  auto i = id - 1;
  if (log.fires[i]++ != 0) {
    ++log.duplicates;
    return;
  }
  log.lateness_ns[i] = (now - log.due[i]).count();
  if (log.fired_once.fetch_add(1, std::memory_order_relaxed) + 1 ==
      log.due.size())
    log.all_fired.set_value();
}

jobrt::deadline_listener::behavior_type
lateness_listener(jobrt::deadline_listener::pointer self,
                  std::shared_ptr<fire_log> log) {
  const auto& clock = self->system().clock();
  return {[log, &clock](jobrt::atoms::fired,
                        const std::vector<std::uint64_t>& ids) {
    auto now = clock.now();
    for (auto id : ids)
      record_fired(*log, id, now);
  }};
}

/// Each deadline's offset into the window, uniform and seeded.
std::vector<jobrt::duration> deadline_offsets(std::size_t deadlines,
                                              std::uint64_t seed) {
  std::mt19937_64 random{seed};
  std::uniform_int_distribution<jobrt::duration::rep> offset{0,
                                                             window.count() - 1};
  std::vector<jobrt::duration> offsets(deadlines);
  for (auto& o : offsets)
    o = jobrt::duration{offset(random)};
  return offsets;
}

std::optional<jobrt::timer_stats> ask_stats(caf::scoped_actor& self,
                                            const jobrt::timer_actor& timer) {
  std::optional<jobrt::timer_stats> answer;
  self->request(timer, caf::infinite, jobrt::atoms::stats::value)
      .receive([&](jobrt::timer_stats& s) { answer = s; },
               [&](caf::error&) {});
  return answer;
}

/// Sends every deadline in batches; fills log.due as it goes.
void schedule_all(caf::scoped_actor& self, const jobrt::timer_actor& timer,
                  const jobrt::actor_system_clock& clock,
                  const std::vector<jobrt::duration>& offsets, fire_log& log) {
  auto window_start = clock.now() + lead;
  jobrt::deadline_commands batch;
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    auto at = window_start + offsets[i];
    log.due[i] = clock.to_actor_time(at);
    batch.push_back({jobrt::make_deadline_key(jobrt::deadline_kind::job, i + 1),
                     at});
    if (batch.size() == commands_per_batch || i + 1 == offsets.size()) {
      self->send(timer, std::move(batch));
      batch = {};
    }
  }
}

struct w4_figures {
  std::size_t deadlines = 0;
  double schedule_seconds = 0;
  std::int64_t heap_delta = 0;
  jobrt::timer_stats after_schedule;
  jobrt::timer_stats at_end;
  latency_summary lateness;
  std::size_t fired_once = 0;
  std::size_t duplicates = 0;
  std::size_t unknown = 0;
  std::size_t early = 0;
  bool all_fired = false;
  bool answered = false;
};

std::vector<std::int64_t> fired_lateness(const fire_log& log,
                                         std::size_t& early) {
  std::vector<std::int64_t> lateness;
  lateness.reserve(log.due.size());
  for (std::size_t i = 0; i < log.due.size(); ++i) {
    if (log.fires[i] == 0)
      continue;
    lateness.push_back(log.lateness_ns[i]);
    if (log.lateness_ns[i] < 0)
      ++early;
  }
  return lateness;
}

void wait_for_fires(fire_log& log, bool progress, w4_figures& f,
                    const jobrt::cli::shutdown_signal& interrupt) {
  progress_bar bar(progress, "W4 firing", log.due.size());
  auto fired = log.all_fired.get_future();
  auto give_up = steady::now() + lead + window + straggler_limit;
  while (steady::now() < give_up && !interrupt.requested()) {
    bar.update(log.fired_once.load(std::memory_order_relaxed));
    if (fired.wait_for(100ms) == std::future_status::ready) {
      f.all_fired = true;
      return;
    }
  }
}

double per_deadline(double bytes, std::uint64_t armed) {
  return armed > 0 ? bytes / static_cast<double>(armed) : 0.0;
}

/// Runs the timer and listener on an actor_system of its own; returns once
/// both have quit, so `log` is the main thread's again.
w4_figures measure(const options& opts, const std::shared_ptr<fire_log>& log,
                   const jobrt::cli::shutdown_signal& interrupt) {
  w4_figures f;
  f.deadlines = opts.deadlines;
  auto offsets = deadline_offsets(opts.deadlines, opts.seed);
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto clock = std::make_shared<jobrt::actor_system_clock>(
      sys.clock(), jobrt::wall_clock_now());
  auto timer = jobrt::spawn_timer(sys, clock);
  auto listener = sys.spawn(lateness_listener, log);
  caf::scoped_actor self{sys};
  self->send(timer, jobrt::atoms::listen::value, jobrt::deadline_kind::job,
             listener);
  f.answered = ask_stats(self, timer).has_value();
  auto heap_before = heap_bytes_in_use();
  auto start = steady::now();
  schedule_all(self, timer, *clock, offsets, *log);
  auto scheduled = ask_stats(self, timer);
  f.schedule_seconds =
      std::chrono::duration<double>(steady::now() - start).count();
  f.heap_delta = heap_bytes_in_use() - heap_before;
  f.after_schedule = scheduled.value_or(jobrt::timer_stats{});
  wait_for_fires(*log, opts.progress, f, interrupt);
  auto end = ask_stats(self, timer);
  f.at_end = end.value_or(jobrt::timer_stats{});
  f.answered = f.answered && scheduled && end;
  self->send_exit(timer, caf::exit_reason::user_shutdown);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->wait_for(timer, listener);
  return f;
}

void summarize_fires(const fire_log& log, w4_figures& f) {
  auto lateness = fired_lateness(log, f.early);
  f.fired_once = lateness.size();
  f.lateness = summarize_ns(lateness);
  f.duplicates = log.duplicates;
  f.unknown = log.unknown;
}

bool fired_exactly_once(const w4_figures& f) {
  return f.answered && f.all_fired && f.fired_once == f.deadlines &&
         f.duplicates == 0 && f.unknown == 0 && f.early == 0;
}

void print_w4(const options& opts, const w4_figures& f) {
  auto n = static_cast<double>(f.deadlines);
  auto armed = f.after_schedule.armed;
  auto heap_per = per_deadline(static_cast<double>(f.heap_delta), armed);
  auto timer_per =
      per_deadline(static_cast<double>(f.after_schedule.memory_bytes), armed);
  auto schedule_rate = n / f.schedule_seconds;
  bool ok = fired_exactly_once(f);
  figure_table table("W4 timer: " + with_separators(n) +
                     " deadlines over " + std::to_string(window.count() / 1000) +
                     " s (opening " + std::to_string(lead.count()) +
                     " ms after scheduling starts), batches of " +
                     with_separators(static_cast<double>(commands_per_batch)) +
                     ", seed " + std::to_string(opts.seed));
  table.add("schedule rate (send to timer's stats reply)",
            with_separators(schedule_rate) + " deadlines/s");
  table.add("armed after scheduling",
            with_separators(static_cast<double>(armed)));
  table.add("heap per armed deadline (mallinfo2 delta)",
            fixed(heap_per, 1) + " B", "target <= 100 B");
  table.add("timer's own memory_bytes per armed deadline",
            fixed(timer_per, 1) + " B");
  table.add("lateness p50", fixed(f.lateness.p50_ms, 3) + " ms");
  table.add("lateness p99", fixed(f.lateness.p99_ms, 3) + " ms", "target <= 5 ms");
  table.add("lateness max", fixed(f.lateness.max_ms, 3) + " ms");
  table.add("fired (listener, once each)", with_separators(
                static_cast<double>(f.fired_once)), "expected " + with_separators(n));
  table.add("fired (timer stats)",
            with_separators(static_cast<double>(f.at_end.fired)));
  table.add("fired twice / unknown id / early",
            std::to_string(f.duplicates) + " / " + std::to_string(f.unknown) +
                " / " + std::to_string(f.early),
            "expected 0 / 0 / 0");
  table.add("check", ok ? "OK" : "FAIL");
  table.print();
  emit_json({{"workload", "w4"},
             {"store", opts.store},
             {"jobs", f.deadlines},
             {"jobs_per_s", schedule_rate},
             {"bytes_per_deadline", heap_per},
             {"timer_bytes_per_deadline", timer_per},
             {"lateness_p50_ms", f.lateness.p50_ms},
             {"lateness_p99_ms", f.lateness.p99_ms},
             {"lateness_max_ms", f.lateness.max_ms},
             {"fired", f.fired_once},
             {"duplicates", f.duplicates},
             {"early", f.early},
             {"ok", ok}});
}

} // namespace

workload_outcome run_w4_timer(const options& opts,
                              const jobrt::cli::shutdown_signal& interrupt) {
  auto log = std::make_shared<fire_log>(opts.deadlines);
  auto f = measure(opts, log, interrupt);
  if (interrupt.requested())
    return {false, 0};
  summarize_fires(*log, f);
  print_w4(opts, f);
  return {fired_exactly_once(f), static_cast<double>(f.deadlines) / f.schedule_seconds};
}

} // namespace bench
