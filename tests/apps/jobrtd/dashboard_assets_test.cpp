// The dashboard's embedded files: each path the page names is compiled in,
// so a file added to dashboard/ but missing from the CMake list or the
// table in dashboard_assets.cpp fails here rather than as a 404 in a
// browser.

#include "dashboard_assets.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

using namespace jobrtd;

namespace {

/// Every match of `pattern`'s first group in `text`.
std::vector<std::string> captures(std::string_view text, const std::regex& pattern) {
  std::vector<std::string> out;
  std::string s(text);
  for (std::sregex_iterator it(s.begin(), s.end(), pattern), end; it != end; ++it)
    out.push_back((*it)[1].str());
  return out;
}

std::string_view body_of(std::string_view path) {
  auto asset = find_dashboard_asset(path);
  INFO(path);
  REQUIRE(asset);
  return asset->body;
}

} // namespace

TEST_CASE("the page at / and its files at /dashboard/NAME, with their content types") {
  auto page = find_dashboard_asset("/");
  REQUIRE(page);
  CHECK(page->content_type == "text/html; charset=utf-8");
  CHECK(page->body.find("<title>jobrtd</title>") != std::string_view::npos);
  CHECK(find_dashboard_asset("/dashboard/dashboard.js")->content_type ==
        "text/javascript; charset=utf-8");
  CHECK(find_dashboard_asset("/dashboard/dashboard.css")->content_type ==
        "text/css; charset=utf-8");
  CHECK(find_dashboard_asset("/dashboard/favicon.svg")->content_type == "image/svg+xml");
  CHECK_FALSE(find_dashboard_asset("/dashboard/"));
  CHECK_FALSE(find_dashboard_asset("/dashboard/nope.js"));
  CHECK_FALSE(find_dashboard_asset("/dashboard/../dashboard.js"));
  CHECK_FALSE(find_dashboard_asset("/index.html"));
}

TEST_CASE("every file the page and its modules name is embedded") {
  std::vector<std::string> modules;
  for (const auto& name : captures(body_of("/"), std::regex(R"re("/dashboard/([^"]+)")re"))) {
    INFO(name);
    CHECK(find_dashboard_asset("/dashboard/" + name));
    if (name.ends_with(".js"))
      modules.push_back(name);
  }
  REQUIRE(modules.size() > 1);
  for (const auto& module : modules)
    for (const auto& import :
         captures(body_of("/dashboard/" + module), std::regex(R"re(from '\./([^']+)')re"))) {
      INFO(module << " imports " << import);
      CHECK(find_dashboard_asset("/dashboard/" + import));
    }
}

TEST_CASE("no file of the page names another origin") {
  // The Content-Security-Policy would block such a load; this finds it
  // before a browser does. (The icon's SVG namespace is a name, not a load.)
  const std::regex elsewhere(R"re(https?://|"//|'//|url\()re");
  auto names = captures(body_of("/"), std::regex(R"re("/dashboard/([^"]+\.(js|css))")re"));
  names.push_back("");
  for (const auto& name : names) {
    INFO("/dashboard/" << name);
    auto body = std::string(body_of(name.empty() ? "/" : "/dashboard/" + name));
    CHECK_FALSE(std::regex_search(body, elsewhere));
  }
}
