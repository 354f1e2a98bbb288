// Loading the example plug-in and calling its callables; refusals name the
// library and what is missing.

#include "handlers/plugin_loader.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

using namespace jobrtd;

namespace {

jobrt::job_result call(const jobrt::job_handler& h, std::string payload,
                       std::int32_t attempt = 1) {
  jobrt::job record;
  record.payload = std::move(payload);
  record.attempt = attempt;
  jobrt::stop_signal stop;
  spdlog::logger log("plugin-test", std::make_shared<spdlog::sinks::null_sink_mt>());
  jobrt::job_context ctx(record, stop, log);
  return h(ctx);
}

} // namespace

TEST_CASE("the example plug-in registers reverse and countdown") {
  plugin_loader loader;
  auto reverse = loader.find(JOBRTD_EXAMPLE_PLUGIN, "reverse");
  REQUIRE(reverse);
  CHECK(call(reverse.value(), "abc").value().data == "cba");
  auto empty = call(reverse.value(), "");
  CHECK(empty.error().kind == jobrt::error_kind::permanent);
  CHECK(empty.error().code == "empty_payload");
  auto countdown = loader.find(JOBRTD_EXAMPLE_PLUGIN, "countdown");
  REQUIRE(countdown);
  CHECK(call(countdown.value(), "2", 2).error().code == "not_yet");
  CHECK(call(countdown.value(), "2", 3));
}

TEST_CASE("a missing library or function is refused with a reason") {
  plugin_loader loader;
  auto missing = loader.find("/nonexistent/plugin.so", "f");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().starts_with("cannot load /nonexistent/plugin.so: "));
  auto unknown = loader.find(JOBRTD_EXAMPLE_PLUGIN, "nope");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().find("registers no function 'nope' (it has: countdown, reverse)") !=
        std::string::npos);
}
