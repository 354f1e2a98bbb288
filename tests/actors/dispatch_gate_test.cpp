#include "jobrt/actors/dispatch_gate.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// The dispatch gate's limits (type, queue, pool, total), its breaker
// admission per key, its backlog flags, and the claims it plans, reserves
// and settles.

namespace {

using namespace std::chrono_literals;
using jobrt::breaker_state;
using jobrt::claim_outcome;
using jobrt::claim_request;
using jobrt::dispatch_gate;
using jobrt::gate_limits;
using jobrt::time_point;
using jobrt::type_rule;

const time_point t0{std::chrono::hours(24 * 20'000)};

/// A job of `type` in `queue`; its breaker key is the type unless given.
jobrt::job job_of(std::string type, std::string queue = "default",
                  std::string key = {}) {
  jobrt::job j;
  j.breaker_key = key.empty() ? type : std::move(key);
  j.type = std::move(type);
  j.queue = std::move(queue);
  return j;
}

type_rule limited(std::string type, std::int32_t concurrency,
                  bool uses_pool = false) {
  return type_rule{std::move(type), concurrency, uses_pool};
}

type_rule unlimited(std::string type, bool uses_pool = false) {
  return type_rule{std::move(type), std::nullopt, uses_pool};
}

gate_limits total_of(std::size_t max_in_flight, std::size_t pool = 0) {
  gate_limits l;
  l.max_in_flight = max_in_flight;
  l.pool_capacity = pool;
  return l;
}

gate_limits with_queue(gate_limits l, std::string queue, std::int32_t limit) {
  l.queue_concurrency.emplace(std::move(queue), limit);
  return l;
}

/// Occupies `n` attempts of `j`, each of which must be admitted.
void start(dispatch_gate& g, const jobrt::job& j, int n = 1) {
  for (int i = 0; i < n; ++i) {
    REQUIRE(g.admits(j));
    bool probe = true;
    REQUIRE(g.occupy(j, probe));
  }
}

jobrt::breaker_transition moved_to(breaker_state to,
                                   std::optional<time_point> reopen_at = {}) {
  return jobrt::breaker_transition{breaker_state::closed, to, t0, 1, reopen_at};
}

void open_breaker(dispatch_gate& g, const std::string& key) {
  g.on_breaker(key, moved_to(breaker_state::open, t0 + 30s), 0);
}

void half_open_breaker(dispatch_gate& g, const std::string& key,
                       std::int32_t probes) {
  g.on_breaker(key, moved_to(breaker_state::half_open), probes);
}

/// A gate for one unlimited type, "pay", whose breaker key "bank" is
/// half-open with `probes` probes.
struct probing_gate {
  dispatch_gate g;
  jobrt::job pay;
};

probing_gate probing(std::int32_t probes) {
  probing_gate p{dispatch_gate({unlimited("pay")}, gate_limits{}),
                 job_of("pay", "default", "bank")};
  half_open_breaker(p.g, "bank", probes);
  return p;
}

/// The outcome of a claim that found nothing, or left ready jobs of `more`.
claim_outcome found(std::vector<std::string> more = {}) {
  claim_outcome o;
  o.more = std::move(more);
  return o;
}

/// Ends the backlog of every type: a claim that found nothing left.
void clear_backlog(dispatch_gate& g) {
  auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  g.reserve(*r);
  const auto none = found();
  g.settle(*r, &none);
}

std::map<std::string, std::int32_t> slots_of(const claim_request& r) {
  std::map<std::string, std::int32_t> out;
  for (const auto& t : r.types)
    out.emplace(t.type, t.slots);
  return out;
}

const claim_request::type_slots* slot_of(const claim_request& r,
                                         const std::string& type) {
  for (const auto& t : r.types)
    if (t.type == type)
      return &t;
  return nullptr;
}

using slot_map = std::map<std::string, std::int32_t, std::less<>>;

/// Reserves `r`: while it is held, `held_back` is refused and `beside`
/// admitted; once it settles as failed, `held_back` is admitted again.
void check_holds_back(dispatch_gate& g, const claim_request& r,
                      const jobrt::job& held_back, const jobrt::job& beside) {
  REQUIRE(g.admits(held_back));
  g.reserve(r);
  CHECK_FALSE(g.admits(held_back));
  CHECK(g.admits(beside));
  g.settle(r, nullptr);
  CHECK(g.admits(held_back));
}

} // namespace

// --- rules and limits ----------------------------------------------------------

TEST_CASE("dispatch gate knows the rule of each registered type only",
          "[dispatch_gate]") {
  dispatch_gate g({limited("mail", 3, true), unlimited("sms")}, gate_limits{});
  const auto* mail = g.rule("mail");
  REQUIRE(mail != nullptr);
  CHECK(mail->type == "mail");
  CHECK(mail->concurrency == 3);
  CHECK(mail->uses_pool);
  const auto* sms = g.rule("sms");
  REQUIRE(sms != nullptr);
  CHECK_FALSE(sms->concurrency);
  CHECK_FALSE(sms->uses_pool);
  CHECK(g.rule("fax") == nullptr);
}

TEST_CASE("dispatch gate admits no job whose type has no handler",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail")}, gate_limits{});
  CHECK_FALSE(g.admits(job_of("fax")));
  CHECK_FALSE(g.may_start_now(job_of("fax")));
  CHECK_FALSE(g.backlog("fax"));
}

TEST_CASE("dispatch gate holds a type to its own concurrency, apart from "
          "other types",
          "[dispatch_gate]") {
  dispatch_gate g({limited("mail", 2), unlimited("sms")}, gate_limits{});
  const auto mail = job_of("mail");
  start(g, mail, 2);
  CHECK_FALSE(g.admits(mail));
  CHECK(g.admits(job_of("sms")));
  g.vacate(mail);
  CHECK(g.admits(mail));
  CHECK(g.running() == 1);
}

TEST_CASE("dispatch gate holds a queue to its limit across types",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("sms")}, with_queue(gate_limits{}, "slow", 1));
  const auto slow_mail = job_of("mail", "slow");
  start(g, slow_mail);
  CHECK_FALSE(g.admits(job_of("sms", "slow")));
  CHECK(g.admits(job_of("sms", "fast")));
  CHECK(g.admits(job_of("mail"))); // same type, unlimited queue
  g.vacate(slow_mail);
  CHECK(g.admits(job_of("sms", "slow")));
}

TEST_CASE("dispatch gate holds pool types to the pool capacity, others not",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("render", true), unlimited("ping")},
                  total_of(10, 2));
  const auto render = job_of("render");
  start(g, render, 2);
  CHECK(g.on_pool() == 2);
  CHECK_FALSE(g.admits(render));
  CHECK(g.admits(job_of("ping")));
  start(g, job_of("ping"));
  CHECK(g.on_pool() == 2); // a non-pool attempt takes no pool slot
  g.vacate(render);
  CHECK(g.on_pool() == 1);
  CHECK(g.admits(render));
}

TEST_CASE("dispatch gate without a pool never admits a pool type",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("render", true)}, total_of(10, 0));
  CHECK_FALSE(g.admits(job_of("render")));
}

TEST_CASE("dispatch gate holds all types together to max_in_flight",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("sms")}, total_of(2));
  start(g, job_of("mail"));
  start(g, job_of("sms"));
  CHECK(g.running() == 2);
  CHECK_FALSE(g.admits(job_of("mail")));
  CHECK_FALSE(g.admits(job_of("sms")));
  g.vacate(job_of("mail"));
  CHECK(g.admits(job_of("sms")));
}

TEST_CASE("dispatch gate vacate frees the type, queue, pool and total slots "
          "an attempt held",
          "[dispatch_gate]") {
  dispatch_gate g({limited("render", 1, true), unlimited("other", true)},
                  with_queue(total_of(1, 1), "slow", 1));
  const auto render = job_of("render", "slow");
  start(g, render);
  CHECK_FALSE(g.admits(job_of("render", "fast")));
  CHECK_FALSE(g.admits(job_of("other", "fast")));
  g.vacate(render);
  CHECK(g.running() == 0);
  CHECK(g.on_pool() == 0);
  CHECK(g.admits(render));
}

// --- breakers ----------------------------------------------------------------

TEST_CASE("dispatch gate refuses the key of an open breaker only",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("pay")}, gate_limits{});
  open_breaker(g, "bank");
  CHECK_FALSE(g.admits(job_of("pay", "default", "bank")));
  CHECK(g.admits(job_of("pay", "default", "card")));
  g.on_breaker("bank", moved_to(breaker_state::closed), 1);
  CHECK(g.admits(job_of("pay", "default", "bank")));
}

TEST_CASE("dispatch gate occupy refuses a job its breaker does not admit and "
          "counts nothing",
          "[dispatch_gate]") {
  dispatch_gate g({limited("pay", 1)}, total_of(1));
  open_breaker(g, "bank");
  bool probe = true;
  CHECK_FALSE(g.occupy(job_of("pay", "default", "bank"), probe));
  CHECK(g.running() == 0);
  // Neither the type's single slot nor the total's was taken.
  CHECK(g.admits(job_of("pay", "default", "card")));
}

TEST_CASE("dispatch gate lets exactly `probes` attempts of a half-open key "
          "start, each as a probe",
          "[dispatch_gate]") {
  auto [g, pay] = probing(2);
  CHECK(g.half_open("bank"));
  for (int i = 0; i < 2; ++i) {
    REQUIRE(g.admits(pay));
    bool probe = false;
    REQUIRE(g.occupy(pay, probe));
    CHECK(probe);
  }
  CHECK_FALSE(g.admits(pay));
  bool probe = false;
  CHECK_FALSE(g.occupy(pay, probe));
  CHECK(g.running() == 2);
  // Vacating a probe frees its slots but not its probe.
  g.vacate(pay);
  CHECK_FALSE(g.admits(pay));
}

TEST_CASE("dispatch gate occupy of a closed or unknown key is no probe",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("pay")}, gate_limits{});
  g.on_breaker("bank", moved_to(breaker_state::closed), 3);
  bool probe = true;
  CHECK(g.occupy(job_of("pay", "default", "bank"), probe));
  CHECK_FALSE(probe);
  probe = true;
  CHECK(g.occupy(job_of("pay", "default", "card"), probe));
  CHECK_FALSE(probe);
}

TEST_CASE("dispatch gate give_back_probe lets another probe start, never "
          "more than the probes",
          "[dispatch_gate]") {
  auto [g, pay] = probing(1);
  start(g, pay);
  REQUIRE_FALSE(g.admits(pay));
  g.give_back_probe("bank");
  start(g, pay);
  CHECK_FALSE(g.admits(pay));
  g.give_back_probe("bank");
  g.give_back_probe("bank");
  start(g, pay);
  CHECK_FALSE(g.admits(pay));
  g.give_back_probe("card"); // an unknown key: nothing happens
  CHECK(g.admits(job_of("pay", "default", "card")));
}

TEST_CASE("dispatch gate half_open is true only for a half-open key",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("pay")}, gate_limits{});
  CHECK_FALSE(g.half_open("bank"));
  open_breaker(g, "bank");
  CHECK_FALSE(g.half_open("bank"));
  half_open_breaker(g, "bank", 1);
  CHECK(g.half_open("bank"));
  g.on_breaker("bank", moved_to(breaker_state::closed), 1);
  CHECK_FALSE(g.half_open("bank"));
}

TEST_CASE("dispatch gate reports each breaker by key with its state, trips "
          "into open and reopen time",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("pay")}, gate_limits{});
  CHECK(g.breakers().empty());
  open_breaker(g, "zeta");
  g.on_breaker("bank", moved_to(breaker_state::open, t0 + 30s), 0);
  half_open_breaker(g, "bank", 1);
  g.on_breaker("bank", moved_to(breaker_state::open, t0 + 90s), 0);
  half_open_breaker(g, "bank", 1);
  g.on_breaker("bank", moved_to(breaker_state::closed), 1);
  const auto all = g.breakers();
  REQUIRE(all.size() == 2);
  CHECK(all[0].key == "bank"); // sorted by key
  CHECK(all[0].state == breaker_state::closed);
  CHECK(all[0].trips == 2); // closed → open and half-open → open
  CHECK_FALSE(all[0].reopen_at);
  CHECK(all[1].key == "zeta");
  CHECK(all[1].state == breaker_state::open);
  CHECK(all[1].trips == 1);
  CHECK(all[1].reopen_at == t0 + 30s);
}

TEST_CASE("dispatch gate clears the reopen time when a breaker goes "
          "half-open",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("pay")}, gate_limits{});
  open_breaker(g, "bank");
  REQUIRE(g.breakers().at(0).reopen_at == t0 + 30s);
  half_open_breaker(g, "bank", 1);
  CHECK_FALSE(g.breakers().at(0).reopen_at);
  CHECK(g.breakers().at(0).trips == 1);
}

// --- backlog -----------------------------------------------------------------

TEST_CASE("dispatch gate assumes a backlog of every type at start, so "
          "nothing overtakes the store",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("sms")}, gate_limits{});
  CHECK(g.backlog("mail"));
  CHECK(g.backlog("sms"));
  CHECK(g.admits(job_of("mail")));
  CHECK_FALSE(g.may_start_now(job_of("mail")));
}

TEST_CASE("dispatch gate without a backlog lets an admitted job start now",
          "[dispatch_gate]") {
  dispatch_gate g({limited("mail", 1)}, gate_limits{});
  clear_backlog(g);
  CHECK_FALSE(g.backlog("mail"));
  CHECK(g.may_start_now(job_of("mail")));
  start(g, job_of("mail"));
  CHECK_FALSE(g.may_start_now(job_of("mail"))); // no slot: admits() decides
}

TEST_CASE("dispatch gate note_backlog marks one type, assume_backlog all",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("sms")}, gate_limits{});
  clear_backlog(g);
  g.note_backlog("mail");
  CHECK(g.backlog("mail"));
  CHECK_FALSE(g.backlog("sms"));
  g.note_backlog("fax"); // no such type: nothing happens
  CHECK_FALSE(g.backlog("fax"));
  g.assume_backlog();
  CHECK(g.backlog("sms"));
  CHECK_FALSE(g.may_start_now(job_of("sms")));
}

// --- planning claims ---------------------------------------------------------

TEST_CASE("dispatch gate plans no claim when no type has a backlog",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail")}, gate_limits{});
  clear_backlog(g);
  CHECK_FALSE(g.plan_claim("me", t0, std::nullopt));
}

TEST_CASE("dispatch gate plans no claim when the total is used up",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("sms")}, total_of(1));
  start(g, job_of("sms"));
  CHECK_FALSE(g.plan_claim("me", t0, std::nullopt));
}

TEST_CASE("dispatch gate claims only types with a backlog and a free slot, "
          "with the slots they have",
          "[dispatch_gate]") {
  dispatch_gate g({limited("mail", 3), limited("full", 1), unlimited("quiet"),
                   limited("render", 5, true)},
                  total_of(10, 4));
  clear_backlog(g);
  g.note_backlog("mail");
  g.note_backlog("full");
  g.note_backlog("render");
  start(g, job_of("mail"));
  start(g, job_of("full"));
  start(g, job_of("render"));
  const auto r = g.plan_claim("runtime-a", t0, t0 + 1min);
  REQUIRE(r);
  CHECK(slots_of(*r) == std::map<std::string, std::int32_t>{{"mail", 2},
                                                             {"render", 3}});
  REQUIRE(slot_of(*r, "render") != nullptr);
  CHECK(slot_of(*r, "render")->uses_pool);
  CHECK_FALSE(slot_of(*r, "mail")->uses_pool);
  // No more than the listed types can take (7 are free): a claim in flight
  // holds back only what it may fill.
  CHECK(r->total == 5);
  CHECK(r->pool_slots == 3);
  CHECK(r->owner == "runtime-a");
  CHECK(r->now == t0);
  CHECK(r->lease_until == t0 + 1min);
}

TEST_CASE("dispatch gate caps a claim's type slots by the total and the pool",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("render", true)},
                  total_of(5, 2));
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  CHECK(slots_of(*r) == std::map<std::string, std::int32_t>{{"mail", 5},
                                                             {"render", 2}});
}

TEST_CASE("dispatch gate skips a pool type in a claim when the pool is full",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("render", true)},
                  total_of(5, 1));
  start(g, job_of("render"));
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  CHECK(slots_of(*r) == std::map<std::string, std::int32_t>{{"mail", 4}});
  CHECK(r->pool_slots == 0);
}

TEST_CASE("dispatch gate gives a claim budgets for limited queues only",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail")},
                  with_queue(with_queue(gate_limits{}, "slow", 3), "tiny", 1));
  start(g, job_of("mail", "slow"));
  start(g, job_of("mail", "tiny"));
  start(g, job_of("mail", "fast"));
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  CHECK(r->queues == slot_map{{"slow", 2}, {"tiny", 0}});
}

TEST_CASE("dispatch gate gives a claim budgets for breakers that are not "
          "closed only",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("pay")}, gate_limits{});
  open_breaker(g, "bank");
  half_open_breaker(g, "card", 3);
  start(g, job_of("pay", "default", "card"));
  g.on_breaker("cash", moved_to(breaker_state::closed), 1);
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  CHECK(r->breakers == slot_map{{"bank", 0}, {"card", 2}});
}

// --- reserving and settling claims ---------------------------------------------

TEST_CASE("dispatch gate holds a claim's budgets back until it settles",
          "[dispatch_gate]") {
  dispatch_gate g({limited("mail", 2), unlimited("sms")}, total_of(4));
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  REQUIRE(r->total == 4);
  g.reserve(*r);
  CHECK_FALSE(g.admits(job_of("mail")));
  CHECK_FALSE(g.admits(job_of("sms")));
  // Two claims never promise the same slot.
  CHECK_FALSE(g.plan_claim("me", t0, std::nullopt));
  g.settle(*r, nullptr);
  CHECK(g.admits(job_of("mail")));
  const auto again = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(again);
  CHECK(slots_of(*again) == slots_of(*r));
  CHECK(again->total == r->total);
}

TEST_CASE("dispatch gate reserved type slots count against admits",
          "[dispatch_gate]") {
  dispatch_gate g({limited("mail", 2), unlimited("sms")}, total_of(10));
  claim_request r;
  r.types.push_back({"mail", 1, false});
  start(g, job_of("mail"));
  check_holds_back(g, r, job_of("mail"), job_of("sms"));
}

TEST_CASE("dispatch gate reserved queue, pool and total slots count against "
          "admits",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("render", true)},
                  with_queue(total_of(10, 1), "slow", 1));
  claim_request queue_only;
  queue_only.queues.emplace("slow", 1);
  check_holds_back(g, queue_only, job_of("mail", "slow"),
                   job_of("mail", "fast"));
  claim_request pool_only;
  pool_only.pool_slots = 1;
  check_holds_back(g, pool_only, job_of("render"), job_of("mail"));
  // The total reserved but one: one attempt may still start, not two.
  claim_request total_only;
  total_only.total = 9;
  g.reserve(total_only);
  start(g, job_of("mail"));
  CHECK_FALSE(g.admits(job_of("mail")));
  g.settle(total_only, nullptr);
  CHECK(g.admits(job_of("mail")));
}

TEST_CASE("dispatch gate reserved probes of a half-open key are not "
          "admitted nor claimed twice",
          "[dispatch_gate]") {
  auto [g, pay] = probing(2);
  claim_request r;
  r.breakers.emplace("bank", 1);
  g.reserve(r);
  const auto planned = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(planned);
  CHECK(planned->breakers == slot_map{{"bank", 1}});
  start(g, pay); // the one probe nobody reserved
  CHECK_FALSE(g.admits(pay));
  g.settle(r, nullptr);
  CHECK(g.admits(pay));
}

TEST_CASE("dispatch gate settling with an outcome takes the backlog of the "
          "claimed types from `more`",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("sms"), limited("full", 1)},
                  gate_limits{});
  start(g, job_of("full")); // no free slot: not in the claim
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  REQUIRE(slots_of(*r).count("full") == 0);
  g.reserve(*r);
  const auto outcome = found({"mail"});
  g.settle(*r, &outcome);
  CHECK(g.backlog("mail"));
  CHECK_FALSE(g.backlog("sms"));
  CHECK(g.backlog("full")); // not asked for: still unknown
  CHECK(g.may_start_now(job_of("sms")));
  CHECK_FALSE(g.may_start_now(job_of("mail")));
}

TEST_CASE("dispatch gate settling a failed claim keeps every backlog flag",
          "[dispatch_gate]") {
  dispatch_gate g({unlimited("mail"), unlimited("sms")}, gate_limits{});
  auto first = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(first);
  g.reserve(*first);
  const auto outcome = found({"mail"});
  g.settle(*first, &outcome);
  REQUIRE(g.backlog("mail"));
  REQUIRE_FALSE(g.backlog("sms"));
  claim_request both;
  both.types.push_back({"mail", 1, false});
  both.types.push_back({"sms", 1, false});
  g.reserve(both);
  g.settle(both, nullptr);
  CHECK(g.backlog("mail"));
  CHECK_FALSE(g.backlog("sms"));
}

TEST_CASE("dispatch gate occupies claimed jobs once their claim settled",
          "[dispatch_gate]") {
  dispatch_gate g({limited("pay", 2)}, total_of(2));
  half_open_breaker(g, "bank", 1);
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  CHECK(r->breakers == slot_map{{"bank", 1}});
  g.reserve(*r);
  claim_outcome outcome;
  outcome.jobs.push_back(job_of("pay", "default", "bank"));
  outcome.jobs.push_back(job_of("pay", "default", "card"));
  g.settle(*r, &outcome);
  bool probe = false;
  CHECK(g.occupy(outcome.jobs[0], probe));
  CHECK(probe);
  CHECK(g.occupy(outcome.jobs[1], probe));
  CHECK_FALSE(probe);
  CHECK(g.running() == 2);
  CHECK_FALSE(g.admits(job_of("pay")));
  CHECK_FALSE(g.plan_claim("me", t0, std::nullopt));
}

TEST_CASE("dispatch gate: a claim in flight holds back only what its types "
          "may fill",
          "[dispatch_gate]") {
  dispatch_gate g({limited("mail", 2), unlimited("sms")}, total_of(10));
  clear_backlog(g);
  g.note_backlog("mail");
  const auto r = g.plan_claim("me", t0, std::nullopt);
  REQUIRE(r);
  CHECK(r->total == 2);
  g.reserve(*r);
  // A held sms job (say, one just enqueued) still starts at once.
  CHECK(g.admits(job_of("sms")));
  CHECK_FALSE(g.admits(job_of("mail")));
}
