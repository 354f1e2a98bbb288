// The dashboard as a real jobrtd serves it: its files and GET /whoami need
// no token (they hold no data), come with a policy that keeps the page to
// this origin, and the data behind them still needs one. What the page does
// with them is tested in headless chromium (browser/).

#include "running_daemon.hpp"

using namespace jobrtd::test;
using nlohmann::json;

TEST_CASE("the dashboard's files and GET /whoami are served without a token") {
  running_daemon d(standard_config(),
                   {"--token", "read=reader-token-0001", "--token", "admin=admin-token-00001"});
  auto anonymous = d.client();
  auto page = anonymous.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);
  CHECK(page->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(page->body.find("/dashboard/dashboard.js") != std::string::npos);
  auto script = anonymous.Get("/dashboard/dashboard.js");
  REQUIRE(script);
  CHECK(script->status == 200);
  CHECK(script->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  auto missing = anonymous.Get("/dashboard/nope.js");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body)["code"] == "no_route");
  CHECK(anonymous.Post("/", "", "application/json")->status == 405);
  CHECK(anonymous.Get("/stats")->status == 401);

  auto whoami = [&](httplib::Client c) {
    auto res = c.Get("/whoami");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return json::parse(res->body);
  };
  CHECK(whoami(d.client()) == json{{"role", nullptr}, {"tokens_required", true}});
  CHECK(whoami(d.client("wrong-token")) == json{{"role", nullptr}, {"tokens_required", true}});
  CHECK(whoami(d.client("reader-token-0001"))["role"] == "read");
  CHECK(whoami(d.client("admin-token-00001"))["role"] == "admin");
}

TEST_CASE("without tokens GET /whoami says admin: every request is allowed") {
  running_daemon d(standard_config());
  auto res = d.client().Get("/whoami");
  REQUIRE(res);
  CHECK(json::parse(res->body) == json{{"role", "admin"}, {"tokens_required", false}});
}
