#include "jobrt/actors/circuit_breaker_actor.hpp"

#include "actors/deterministic_system.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <catch2/catch.hpp>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

// The breaker actor between a fake timer (which only records what it is
// told) and a listener that records every update. Simulated time: the tests
// move the clock, then deliver `fired` themselves, as the timer would.

using namespace jobrt;
using namespace std::chrono_literals;

namespace {

struct timer_log {
  std::vector<deadline_kind> kinds;
  std::vector<deadline_listener> listeners;
  /// One entry per deadline_commands message.
  std::vector<deadline_commands> messages;
};

timer_actor::behavior_type fake_timer(timer_actor::pointer,
                                      std::shared_ptr<timer_log> log) {
  return {
      [log](atoms::listen, deadline_kind kind, deadline_listener listener) {
        log->kinds.push_back(kind);
        log->listeners.push_back(std::move(listener));
      },
      [log](const deadline_commands& commands) {
        log->messages.push_back(commands);
      },
      [](atoms::tick, std::uint64_t) {},
      [](atoms::stats) { return timer_stats{}; },
  };
}

using update_log = std::vector<breaker_update>;

breaker_listener::behavior_type
recording_listener(breaker_listener::pointer, std::shared_ptr<update_log> log) {
  return {
      [log](const breaker_update& u) { log->push_back(u); },
  };
}

/// "+5000ms" after the test epoch, or "none".
std::string offset(const std::optional<time_point>& at) {
  if (!at)
    return "none";
  return "+" + std::to_string((*at - testing::test_epoch).count()) + "ms";
}

std::string describe(const breaker_update& u) {
  return u.key + ": " + std::string(to_string(u.transition.from)) + " -> " +
         std::string(to_string(u.transition.to)) + " probes " +
         std::to_string(u.probes);
}

job_type_options breaker_options(double cooldown_growth = 1.0) {
  breaker_config breaker;
  breaker.window = count_window{10};
  breaker.threshold = failure_count_threshold{3};
  breaker.cooldown = 5s;
  breaker.cooldown_growth = cooldown_growth;
  breaker.probes = 2;
  job_type_options options;
  options.breaker = breaker;
  return options;
}

std::shared_ptr<const handler_registry> make_registry() {
  auto registry = std::make_shared<handler_registry>();
  const job_handler noop = [](job_context&) -> job_result {
    return job_output{};
  };
  REQUIRE(registry->add("charge", noop, breaker_options()));
  REQUIRE(registry->add("refund", noop, breaker_options(2.0)));
  auto no_breaker = breaker_options();
  no_breaker.breaker.reset();
  REQUIRE(registry->add("email", noop, no_breaker));
  return registry;
}

breaker_report failures(std::string key, std::int32_t count,
                        std::string type = "charge") {
  return {std::move(key), std::move(type), call_outcome::transient_failure,
          count, false};
}

breaker_report successes(std::string key, std::int32_t count,
                         std::string type = "charge") {
  return {std::move(key), std::move(type), call_outcome::success, count,
          false};
}

breaker_report as_probe(breaker_report r) {
  r.probe = true;
  return r;
}

using status_reply = std::optional<std::vector<breaker_status>>;

// Spawned with arguments on purpose: CAF 0.17 spawning a function with no
// arguments besides `self` dereferences a null tuple pointer (UBSan reports
// it).
void ask_breakers(caf::event_based_actor* self, breaker_actor breaker,
                  std::shared_ptr<status_reply> reply) {
  self->request(breaker, caf::infinite, atoms::breakers::value)
      .then([self, reply](std::vector<breaker_status>& statuses) {
        *reply = std::move(statuses);
        self->quit();
      });
}

struct breaker_fixture : testing::deterministic_system {
  explicit breaker_fixture(std::shared_ptr<spdlog::logger> log =
                               std::make_shared<spdlog::logger>(
                                   "breaker-test",
                                   std::make_shared<spdlog::sinks::null_sink_st>()))
    : timer(sys.spawn(fake_timer, timer_calls)),
      listener(sys.spawn(recording_listener, updates)),
      breaker(spawn_circuit_breaker(sys, make_registry(), timer, listener,
                                    clock, std::move(log))) {
    run();
  }

  ~breaker_fixture() {
    caf::anon_send_exit(breaker, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(timer, caf::exit_reason::user_shutdown);
    run();
  }

  void report(breaker_reports reports) {
    caf::anon_send(breaker, atoms::report::value, std::move(reports));
    run();
  }

  void fire(std::vector<std::uint64_t> ids) {
    caf::anon_send(breaker, atoms::fired::value, std::move(ids));
    run();
  }

  std::vector<breaker_status> breakers() {
    auto reply = std::make_shared<status_reply>();
    sys.spawn(ask_breakers, breaker, reply);
    run();
    REQUIRE(reply->has_value());
    return **reply;
  }

  std::vector<std::string> transitions() const {
    std::vector<std::string> out;
    for (const auto& u : *updates)
      out.push_back(describe(u));
    return out;
  }

  /// Every deadline command the timer was sent, in order.
  deadline_commands commands() const {
    deadline_commands out;
    for (const auto& m : timer_calls->messages)
      out.insert(out.end(), m.begin(), m.end());
    return out;
  }

  /// The deadline key the timer was last told about.
  std::uint64_t last_deadline() const {
    auto all = commands();
    REQUIRE_FALSE(all.empty());
    return all.back().key;
  }

  /// Trips `key` with a burst of failures, then ends its cooldown.
  void trip_and_cool_down(const std::string& key) {
    report({failures(key, 3)});
    advance(5s);
    fire({last_deadline()});
  }

  std::shared_ptr<timer_log> timer_calls = std::make_shared<timer_log>();
  std::shared_ptr<update_log> updates = std::make_shared<update_log>();
  timer_actor timer;
  breaker_listener listener;
  breaker_actor breaker;
};

constexpr deadline_key cooldown_of(std::uint64_t index) {
  return make_deadline_key(deadline_kind::breaker_cooldown, index);
}

} // namespace

TEST_CASE("the breaker listens to the timer for cooldown deadlines",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  REQUIRE(f.timer_calls->kinds.size() == 1);
  CHECK(f.timer_calls->kinds[0] == deadline_kind::breaker_cooldown);
  CHECK(f.timer_calls->listeners[0].address() == f.breaker.address());
  CHECK(f.timer_calls->messages.empty());
}

TEST_CASE("a burst of transient failures trips the breaker once",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({failures("stripe", 2)});
  CHECK(f.updates->empty());

  f.advance(1s);
  f.report({failures("stripe", 4)});
  CHECK(f.transitions() ==
        std::vector<std::string>{"stripe: closed -> open probes 0"});
  REQUIRE(f.updates->size() == 1);
  const auto& t = f.updates->front().transition;
  CHECK(t.trips == 1);
  CHECK(offset(t.at) == "+1000ms");
  CHECK(offset(t.reopen_at) == "+6000ms");

  REQUIRE(f.timer_calls->messages.size() == 1);
  const auto commands = f.commands();
  REQUIRE(commands.size() == 1);
  CHECK(commands[0].key == cooldown_of(0));
  CHECK(offset(commands[0].at) == "+6000ms");
}

TEST_CASE("ignored failures never trip the breaker",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({{"stripe", "charge", call_outcome::ignored_failure, 100, false}});
  f.report({failures("stripe", 2)});
  f.report({{"stripe", "charge", call_outcome::ignored_failure, 50, false}});
  CHECK(f.updates->empty());
  CHECK(f.commands().empty());
  const auto statuses = f.breakers();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state == breaker_state::closed);
}

TEST_CASE("successes between failures keep the breaker closed",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  // Five failures in all, never three among any ten consecutive calls.
  for (int round = 0; round < 5; ++round)
    f.report({failures("stripe", 1), successes("stripe", 4)});
  CHECK(f.updates->empty());

  // The last ten calls now hold two failures; the next one pushes the older
  // out, the one after reaches the threshold.
  f.report({failures("stripe", 1)});
  CHECK(f.updates->empty());
  f.report({failures("stripe", 1)});
  CHECK(f.transitions() ==
        std::vector<std::string>{"stripe: closed -> open probes 0"});
}

TEST_CASE("the end of the cooldown moves the breaker to half-open",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({failures("stripe", 3)});
  f.advance(5s);
  f.fire({cooldown_of(0)});
  CHECK(f.transitions() ==
        std::vector<std::string>{"stripe: closed -> open probes 0",
                                 "stripe: open -> half_open probes 2"});
  REQUIRE(f.updates->size() == 2);
  CHECK(offset(f.updates->back().transition.at) == "+5000ms");
  CHECK_FALSE(f.updates->back().transition.reopen_at);

  const auto statuses = f.breakers();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state == breaker_state::half_open);
  CHECK_FALSE(statuses[0].reopen_at);
}

TEST_CASE("the breaker fires by its listener handle and by plain deadline ids",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({failures("stripe", 3)});
  f.advance(5s);
  REQUIRE(f.timer_calls->listeners.size() == 1);
  caf::anon_send(f.timer_calls->listeners[0], atoms::fired::value,
                 std::vector<std::uint64_t>{id_of(cooldown_of(0))});
  f.run();
  CHECK(f.transitions().back() == "stripe: open -> half_open probes 2");
}

TEST_CASE("a breaker deadline that fires early re-arms instead of reopening",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({failures("stripe", 3)});
  f.advance(4999ms);
  f.fire({cooldown_of(0)});
  CHECK(f.updates->size() == 1);
  auto commands = f.commands();
  REQUIRE(commands.size() == 2);
  CHECK(commands[1].key == cooldown_of(0));
  CHECK(offset(commands[1].at) == "+5000ms");

  f.advance(1ms);
  f.fire({cooldown_of(0)});
  CHECK(f.transitions().back() == "stripe: open -> half_open probes 2");
  CHECK(f.commands().size() == 2);
}

TEST_CASE("deadlines of unknown breakers are ignored",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.fire({cooldown_of(0), cooldown_of(7)});
  f.report({successes("stripe", 1)});
  f.fire({cooldown_of(0)}); // closed: nothing to end
  CHECK(f.updates->empty());
  CHECK(f.commands().empty());
}

TEST_CASE("two probe successes close the breaker",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.trip_and_cool_down("stripe");
  f.report({as_probe(successes("stripe", 1))});
  CHECK(f.updates->size() == 2);
  f.advance(1s);
  f.report({as_probe(successes("stripe", 1))});
  CHECK(f.transitions().back() == "stripe: half_open -> closed probes 0");
  CHECK(f.updates->back().transition.trips == 0);
  CHECK(offset(f.updates->back().transition.at) == "+6000ms");

  const auto statuses = f.breakers();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state == breaker_state::closed);
  CHECK(statuses[0].trips == 1);
  CHECK(f.commands().size() == 1);
}

TEST_CASE("a failed probe reopens the breaker with a new cooldown",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.trip_and_cool_down("stripe");
  f.advance(2s);
  f.report({as_probe(successes("stripe", 1)), as_probe(failures("stripe", 1))});
  CHECK(f.transitions().back() == "stripe: half_open -> open probes 0");
  CHECK(f.updates->back().transition.trips == 2);
  CHECK(offset(f.updates->back().transition.reopen_at) == "+12000ms");

  const auto commands = f.commands();
  REQUIRE(commands.size() == 2);
  CHECK(commands[1].key == cooldown_of(0));
  CHECK(offset(commands[1].at) == "+12000ms");

  f.advance(5s);
  f.fire({cooldown_of(0)});
  CHECK(f.transitions().back() == "stripe: open -> half_open probes 2");
}

TEST_CASE("a grown breaker cooldown reaches the timer", "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({failures("ledger", 3, "refund")});
  f.advance(5s);
  f.fire({cooldown_of(0)});
  f.report({as_probe(failures("ledger", 1, "refund"))});
  const auto commands = f.commands();
  REQUIRE(commands.size() == 2);
  CHECK(offset(commands[1].at) == "+15000ms"); // 5 s + 2 x 5 s
}

TEST_CASE("outcomes that are not probes are ignored by a half-open breaker",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.trip_and_cool_down("stripe");
  f.report({failures("stripe", 5), successes("stripe", 5)});
  CHECK(f.updates->size() == 2);

  // Had the late successes counted, one probe would now close it.
  f.report({as_probe(successes("stripe", 1))});
  CHECK(f.updates->size() == 2);
  f.report({as_probe(successes("stripe", 1))});
  CHECK(f.transitions().back() == "stripe: half_open -> closed probes 0");
}

TEST_CASE("outcomes reported to an open breaker change nothing",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({failures("stripe", 3)});
  f.report({successes("stripe", 100), as_probe(successes("stripe", 2)),
            failures("stripe", 10)});
  CHECK(f.updates->size() == 1);
  CHECK(f.commands().size() == 1);
  const auto statuses = f.breakers();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state == breaker_state::open);
  CHECK(offset(statuses[0].reopen_at) == "+5000ms");
}

TEST_CASE("each key has its own breaker and deadline",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({successes("adyen", 1), failures("stripe", 2)});
  f.report({failures("adyen", 2), failures("stripe", 1)});
  CHECK(f.transitions() ==
        std::vector<std::string>{"stripe: closed -> open probes 0"});
  CHECK(f.commands().back().key == cooldown_of(1));

  f.report({failures("adyen", 1), failures("paypal", 3)});
  CHECK(f.transitions() ==
        std::vector<std::string>{"stripe: closed -> open probes 0",
                                 "adyen: closed -> open probes 0",
                                 "paypal: closed -> open probes 0"});
  // Both trips of one turn travel in one message.
  REQUIRE(f.timer_calls->messages.size() == 2);
  const auto& second = f.timer_calls->messages[1];
  REQUIRE(second.size() == 2);
  CHECK(second[0].key == cooldown_of(0));
  CHECK(second[1].key == cooldown_of(2));

  f.advance(5s);
  f.fire({cooldown_of(1)});
  CHECK(f.transitions().back() == "stripe: open -> half_open probes 2");
  const auto statuses = f.breakers();
  REQUIRE(statuses.size() == 3);
  CHECK(statuses[0].state == breaker_state::open);      // adyen
  CHECK(statuses[1].state == breaker_state::open);      // paypal
  CHECK(statuses[2].state == breaker_state::half_open); // stripe
}

TEST_CASE("types without a breaker and unknown types are ignored",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({failures("smtp", 50, "email"), failures("ghost", 50, "nosuch")});
  CHECK(f.updates->empty());
  CHECK(f.commands().empty());
  CHECK(f.breakers().empty());

  // A key is created by the first report whose type has a breaker.
  f.report({failures("ghost", 3, "charge")});
  CHECK(f.transitions() ==
        std::vector<std::string>{"ghost: closed -> open probes 0"});
  CHECK(f.commands().back().key == cooldown_of(0));
}

TEST_CASE("breakers lists every key in order with its total trips",
          "[circuit_breaker_actor]") {
  breaker_fixture f;
  f.report({successes("zeta", 1), successes("mid", 1), successes("alpha", 1)});

  // alpha: trips, fails its probe (second trip), stays open.
  f.trip_and_cool_down("alpha");
  f.report({as_probe(failures("alpha", 1))});
  // mid: trips, then closes again.
  f.trip_and_cool_down("mid");
  f.report({as_probe(successes("mid", 2))});

  const auto statuses = f.breakers();
  REQUIRE(statuses.size() == 3);
  CHECK(statuses[0].key == "alpha");
  CHECK(statuses[0].state == breaker_state::open);
  CHECK(statuses[0].trips == 2);
  CHECK(offset(statuses[0].reopen_at) == "+10000ms"); // failed probe at 5 s
  CHECK(statuses[1].key == "mid");
  CHECK(statuses[1].state == breaker_state::closed);
  CHECK(statuses[1].trips == 1);
  CHECK_FALSE(statuses[1].reopen_at);
  CHECK(statuses[2].key == "zeta");
  CHECK(statuses[2].state == breaker_state::closed);
  CHECK(statuses[2].trips == 0);
}

TEST_CASE("each breaker change is logged on the runtime's logger",
          "[circuit_breaker_actor]") {
  std::ostringstream out;
  breaker_fixture f{std::make_shared<spdlog::logger>(
      "breaker-test", std::make_shared<spdlog::sinks::ostream_sink_st>(out))};
  f.report({failures("stripe", 3)});
  const auto line = out.str();
  CHECK(line.find("'stripe': closed -> open (trips 1, reopen_at ") !=
        std::string::npos);
  CHECK(line.find("[warning]") != std::string::npos);
}
