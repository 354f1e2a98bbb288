#include "reference.hpp"

#include "percentiles.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <future>
#include <vector>

namespace bench {

namespace {

using steady = std::chrono::steady_clock;

using echo_actor = caf::typed_actor<caf::replies_to<int>::with<int>>;

echo_actor::behavior_type echo(echo_actor::pointer) {
  return {[](int x) { return x; }};
}

struct driver_state {
  std::vector<echo_actor> workers;
  std::size_t round_trips = 0;
  std::size_t sent = 0;
  std::size_t received = 0;
  std::promise<steady::time_point>* done = nullptr;
};

using driver_pointer = caf::stateful_actor<driver_state>*;

/// Sends the next request, if any is left; its reply sends the one after.
void send_next(driver_pointer self) {
  auto& s = self->state;
  if (s.sent == s.round_trips)
    return;
  const auto& worker = s.workers[s.sent % s.workers.size()];
  auto value = static_cast<int>(s.sent);
  ++s.sent;
  self->request(worker, caf::infinite, value).then([self](int) {
    auto& st = self->state;
    if (++st.received == st.round_trips) {
      st.done->set_value(steady::now());
      self->quit();
      return;
    }
    send_next(self);
  });
}

caf::behavior driver(driver_pointer self, std::vector<echo_actor> workers,
                     std::size_t round_trips, std::size_t window,
                     std::promise<steady::time_point>* done) {
  auto& s = self->state;
  s.workers = std::move(workers);
  s.round_trips = round_trips;
  s.done = done;
  for (std::size_t i = 0; i < window; ++i)
    send_next(self);
  return {[](int) {}}; // it only waits for replies
}

/// One run of `round_trips` round trips; replies per second.
double run_once(caf::actor_system& sys, const std::vector<echo_actor>& echoes,
                std::size_t round_trips, std::size_t window) {
  std::promise<steady::time_point> done;
  auto finished = done.get_future();
  auto start = steady::now();
  sys.spawn(driver, echoes, round_trips, window, &done);
  auto end = finished.get();
  return static_cast<double>(round_trips) /
         std::chrono::duration<double>(end - start).count();
}

} // namespace

reference_figures measure_reference(std::size_t round_trips, std::size_t runs,
                                    std::size_t window, std::size_t workers) {
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  std::vector<echo_actor> echoes;
  for (std::size_t i = 0; i < workers; ++i)
    echoes.push_back(sys.spawn(echo));
  reference_figures f;
  f.round_trips = round_trips;
  f.window = window;
  f.workers = workers;
  for (std::size_t i = 0; i < runs; ++i)
    f.runs_per_s.push_back(run_once(sys, echoes, round_trips, window));
  f.replies_per_s = median(f.runs_per_s);
  for (auto& e : echoes)
    caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
  return f;
}

} // namespace bench
