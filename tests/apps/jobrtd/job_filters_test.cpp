// GET /jobs's query string and the bulk endpoints' filters: decoded
// strictly, so a misspelt filter never matches everything.

#include "job_filters.hpp"

#include <catch2/catch.hpp>

using namespace jobrtd;

TEST_CASE("the query string becomes a job_query") {
  auto q = job_query_of({{"state", "dead"}, {"type", "email"}, {"queue", "q1"},
                         {"after", "40"}, {"limit", "50"}});
  REQUIRE(q);
  CHECK(q.value().state == jobrt::job_state::dead);
  CHECK(q.value().type == "email");
  CHECK(q.value().queue == "q1");
  CHECK(q.value().after == 40);
  CHECK(q.value().limit == 50);
  CHECK(job_query_of({}).value().limit == 100);
}

TEST_CASE("bad query parameters are refused with their name") {
  auto field = [](query_params p) {
    auto q = job_query_of(p);
    REQUIRE_FALSE(q);
    CHECK(q.error().status == 400);
    return q.error().field;
  };
  CHECK(field({{"state", "failed"}}) == "state");
  CHECK(field({{"limit", "0"}}) == "limit");
  CHECK(field({{"limit", "1001"}}) == "limit");
  CHECK(field({{"after", "-1"}}) == "after");
  CHECK(field({{"type", ""}}) == "type");
  CHECK(field({{"stat", "dead"}}) == "stat");
  CHECK(field({{"state", "dead"}, {"state", "pending"}}) == "state");
}

TEST_CASE("bulk filters: dead by default, only states the action allows") {
  auto f = bulk_filter_of("", bulk_action::requeue);
  REQUIRE(f);
  CHECK(f.value().state == jobrt::job_state::dead);
  CHECK(f.value().max == 1000);
  auto g = bulk_filter_of(R"({"state":"cancelled","type":"t","queue":"q","after":5,"max":10})",
                          bulk_action::requeue);
  REQUIRE(g);
  CHECK(g.value().state == jobrt::job_state::cancelled);
  CHECK(g.value().type == "t");
  CHECK(g.value().after == 5);
  CHECK(g.value().max == 10);
  CHECK(bulk_filter_of(R"({"state":"completed"})", bulk_action::purge));
  auto status = [](std::string_view body, bulk_action a) {
    auto r = bulk_filter_of(body, a);
    REQUIRE_FALSE(r);
    return r.error().status;
  };
  CHECK(status(R"({"state":"completed"})", bulk_action::requeue) == 422);
  CHECK(status(R"({"state":"pending"})", bulk_action::purge) == 422);
  CHECK(status(R"({"max":0})", bulk_action::purge) == 400);
  CHECK(status(R"({"max":100001})", bulk_action::purge) == 400);
  CHECK(status(R"({"sate":"dead"})", bulk_action::purge) == 400);
  CHECK(status("[1]", bulk_action::purge) == 400);
  CHECK(status("{", bulk_action::purge) == 400);
}
