// jobrtd's config: the example file is valid and says what it claims, and
// every bad key is refused with its dotted path and what it must be.

#include "command_line.hpp"
#include "config_reader.hpp"
#include "daemon_config.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace {

using namespace jobrtd;
using namespace std::chrono_literals;

constexpr auto minimal = R"(
[types.echo]
handler = "exec"
[types.echo.exec]
command = ["cat"]
)";

/// The message for `extra` appended to a minimal valid config.
std::string refusal(const std::string& extra) {
  auto c = parse_config(std::string(minimal) + extra);
  REQUIRE_FALSE(c);
  return c.error().message();
}

/// The message for `top` put before the minimal config (keys of the
/// document itself).
std::string top_level_refusal(const std::string& top) {
  auto c = parse_config(top + minimal);
  REQUIRE_FALSE(c);
  return c.error().message();
}

/// A type `t` running cat, with `line` among its own keys.
std::string exec_type(const std::string& line) {
  return "[types.t]\nhandler = \"exec\"\n" + line +
         "\n[types.t.exec]\ncommand = [\"cat\"]\n";
}

} // namespace

TEST_CASE("the example config is valid and defines echo and webhook") {
  auto c = load_config(JOBRTD_EXAMPLE_CONFIG);
  REQUIRE(c);
  const auto& config = c.value();
  REQUIRE(config.types.size() == 2);
  CHECK(config.types[0].name == "echo");
  CHECK(std::get<exec_config>(config.types[0].handler).command ==
        std::vector<std::string>{"cat"});
  CHECK(config.types[0].options.retry.max_attempts == 3);
  CHECK(config.types[0].options.concurrency == 4);
  CHECK(config.types[1].name == "webhook");
  const auto& http = std::get<http_config>(config.types[1].handler);
  CHECK(http.url == "http://127.0.0.1:9000/hook");
  CHECK(http.timeout == 10s);
  const auto& retry = config.types[1].options.retry;
  CHECK(retry.max_attempts == 8);
  REQUIRE(retry.rules.size() == 2);
  CHECK(retry.rules[0].code == "http_429");
  CHECK(retry.rules[0].max_attempts == 12);
  CHECK(std::get<jobrt::schedule_backoff>(*retry.rules[0].backoff).steps ==
        std::vector<jobrt::duration>{30s, 1min, 5min});
  CHECK(retry.rules[1].never_retry);
  CHECK(retry.jitter.kind == jobrt::jitter_kind::proportional);
  REQUIRE(config.types[1].options.breaker);
  CHECK(config.types[1].options.breaker->cooldown_growth == 2.0);
  CHECK(config.store.queue_concurrency.at("default") == 16);
  CHECK(config.server.listen == listen_address{"127.0.0.1", 8080});
  CHECK(config.shutdown_grace == 30s);
}

TEST_CASE("defaults apply where the config says nothing") {
  auto c = parse_config(minimal);
  REQUIRE(c);
  CHECK(c.value().store.database == "jobrtd.db");
  CHECK(c.value().tokens.empty());
  CHECK(c.value().types[0].options.retry.max_attempts == 5);
}

TEST_CASE("every bad key is named with what it must be") {
  CHECK(refusal("[types.echo.retry]\nmax_attempts = 0\n") ==
        "types.echo.retry.max_attempts: must be 1..1000");
  CHECK(refusal("[types.echo.retry]\nmax_attempts = 1001\n") ==
        "types.echo.retry.max_attempts: must be 1..1000");
  CHECK(refusal("[types.echo.retry]\nmax_atempts = 3\n") ==
        "types.echo.retry.max_atempts: unknown key");
  CHECK(refusal("[types.echo.retry.backoff]\nkind = \"linear\"\n") ==
        "types.echo.retry.backoff.kind: must be exponential, fixed or schedule");
  CHECK(refusal("[types.echo.retry.backoff]\nfactor = 0.5\n") ==
        "types.echo.retry.backoff.factor: must be a finite number of at least 1");
  CHECK(refusal("[types.echo.retry.backoff]\nkind = \"schedule\"\nsteps = []\n") ==
        "types.echo.retry.backoff.steps: must hold at least one step");
  CHECK(refusal("[types.echo.retry.backoff]\nkind = \"schedule\"\nsteps = [\"1m\", \"soon\"]\n")
            .starts_with("types.echo.retry.backoff.steps[1]: must be a duration"));
  CHECK(refusal("[types.echo.retry.jitter]\nkind = \"proportional\"\nproportion = 2.0\n") ==
        "types.echo.retry.jitter.proportion: must be between 0 and 1");
  CHECK(refusal("[types.echo.retry.jitter]\nkind = \"wild\"\n") ==
        "types.echo.retry.jitter.kind: must be none, full, equal or proportional");
  CHECK(refusal("[[types.echo.retry.rules]]\nmax_attempts = 2\n") ==
        "types.echo.retry.rules[0].code: is required");
  CHECK(refusal("[[types.echo.retry.rules]]\ncode = \"x\"\n[types.echo.retry.rules.backoff]\nkind = \"fixed\"\nbase = \"1s\"\n") ==
        "types.echo.retry.rules[0].backoff.base: unknown key");
  CHECK(refusal("[types.echo.breaker.threshold]\nfailures = 50\n") ==
        "types.echo.breaker.threshold.failures: must not exceed window.calls");
  CHECK(refusal("[types.echo.breaker.window]\nkind = \"sliding\"\n") ==
        "types.echo.breaker.window.kind: must be count or time");
  CHECK(refusal("[types.echo.breaker]\nmax_cooldown = \"1s\"\n") ==
        "types.echo.breaker.max_cooldown: must be at least cooldown");
  CHECK(refusal("[types.echo.breaker]\ncooldown = 30\n") ==
        "types.echo.breaker.cooldown: must be a duration string such as \"30s\"");
  CHECK(refusal("[types.bad]\nhandler = \"shell\"\n") ==
        "types.bad.handler: must be exec, http or plugin");
  CHECK(refusal("[types.bad]\nhandler = \"http\"\n") ==
        "types.bad.http: is required: the [types.bad.http] table");
  CHECK(refusal("[types.bad]\nhandler = \"http\"\n[types.bad.http]\nurl = \"ftp://x\"\n") ==
        "types.bad.http.url: must start with http:// or https://");
  CHECK(refusal("[types.bad]\nhandler = \"http\"\n[types.bad.http]\nurl = \"http://x\"\nmethod = \"GET\"\n") ==
        "types.bad.http.method: must be POST, PUT or PATCH");
  CHECK(refusal("[types.bad]\nhandler = \"exec\"\n[types.bad.exec]\ncommand = []\n") ==
        "types.bad.exec.command: must name a program: command = [\"cat\"]");
  CHECK(refusal("[types.bad]\nhandler = \"exec\"\n[types.bad.exec]\ncommand = [\"x\"]\npermanent_exit_codes = [300]\n") ==
        "types.bad.exec.permanent_exit_codes[0]: must be 0..255");
  CHECK(refusal("[types.bad]\nhandler = \"plugin\"\n[types.bad.plugin]\nlibrary = \"x.so\"\n") ==
        "types.bad.plugin.function: must name a callable the plug-in registers");
  CHECK(refusal(exec_type("timeout = \"0s\"")) ==
        "types.t.timeout: must be positive and at most a week");
  CHECK(refusal(exec_type("concurrency = 0")) ==
        "types.t.concurrency: must be 1..1000000");
  CHECK(refusal("[server]\nlisten = \"localhost\"\n") ==
        "server.listen: 'localhost' has no :PORT (use HOST:PORT, e.g. 127.0.0.1:8080)");
  CHECK(refusal("[server]\nthreads = 4\nmax_event_streams = 4\n") ==
        "server.max_event_streams: must be below threads (each stream holds one)");
  CHECK(refusal("[server]\nread_timeout = \"5 s\"\n").starts_with(
      "server.read_timeout: must be a duration"));
  CHECK(refusal("[server]\nmax_body_bytes = 0\n") ==
        "server.max_body_bytes: must be 1..1073741824");
  CHECK(refusal("[store]\ndb = \"\"\n") ==
        "store.db: must name a SQLite file (or a database URI)");
  CHECK(refusal("[store]\nworker_threads = \"four\"\n") ==
        "store.worker_threads: must be an integer");
  CHECK(refusal("[[tokens]]\nrole = \"root\"\ntoken = \"0123456789abcdef\"\n") ==
        "tokens[0].role: must be read, enqueue or admin");
  CHECK(refusal("[[tokens]]\nrole = \"read\"\ntoken = \"short\"\n") ==
        "tokens[0].token: must be at least 16 characters");
  CHECK(refusal("[[tokens]]\nrole = \"read\"\n") ==
        "tokens[0].token: give exactly one of token and token_env");
  CHECK(refusal("[[tokens]]\nrole = \"read\"\ntoken_env = \"JOBRTD_TEST_UNSET_VARIABLE\"\n") ==
        "tokens[0].token_env: names JOBRTD_TEST_UNSET_VARIABLE, which is not set");
  CHECK(top_level_refusal("log_level = \"loud\"\n") ==
        "log_level: must be trace, debug, info, warn, error or off");
  CHECK(top_level_refusal("colour = \"blue\"\n") == "colour: unknown key");
  CHECK(top_level_refusal("shutdown_grace = \"soon\"\n").starts_with(
      "shutdown_grace: must be a duration"));
}

TEST_CASE("a TOML syntax error names the line") {
  auto c = parse_config("[store\ndb = 1", "broken.toml");
  REQUIRE_FALSE(c);
  CHECK(c.error().field == "broken.toml");
  CHECK(c.error().detail.starts_with("line 1: "));
}

TEST_CASE("a token may come from the environment") {
  ::setenv("JOBRTD_TEST_TOKEN", "from-the-environment", 1);
  auto c = parse_config(std::string(minimal) +
                        "[[tokens]]\nrole = \"admin\"\ntoken_env = \"JOBRTD_TEST_TOKEN\"\n");
  REQUIRE(c);
  REQUIRE(c.value().tokens.size() == 1);
  CHECK(c.value().tokens[0].secret == "from-the-environment");
  CHECK(c.value().tokens[0].granted == role::admin);
}

TEST_CASE("durations take ms, s, m, h and d") {
  CHECK(parse_config_duration("250ms").value() == 250ms);
  CHECK(parse_config_duration("30s").value() == 30s);
  CHECK(parse_config_duration("15m").value() == 15min);
  CHECK(parse_config_duration("7d").value() == std::chrono::hours(24 * 7));
  CHECK_FALSE(parse_config_duration("1.5s"));
  CHECK_FALSE(parse_config_duration("-1s"));
  CHECK_FALSE(parse_config_duration("ms"));
  CHECK_FALSE(parse_config_duration("10"));
}

TEST_CASE("command-line overrides replace the listen address, store and tokens") {
  auto c = parse_config(minimal).value();
  config_overrides o;
  o.listen = "127.0.0.1:0";
  o.database = "postgresql://db/jobs";
  o.tokens = {"read=reader-token", "admin=admin-token"};
  REQUIRE(apply_overrides(c, o));
  CHECK(c.server.listen == listen_address{"127.0.0.1", 0});
  CHECK(c.store.database == "postgresql://db/jobs");
  REQUIRE(c.tokens.size() == 2);
  CHECK(c.tokens[1].granted == role::admin);
  CHECK(c.tokens[1].secret == "admin-token");

  config_overrides bad;
  bad.tokens = {"owner=x"};
  CHECK(apply_overrides(c, bad).error().message() ==
        "--token: the role must be read, enqueue or admin");
  bad.tokens = {"admin"};
  CHECK(apply_overrides(c, bad).error().message() == "--token: 'admin' is not ROLE=TOKEN");
  config_overrides bad_listen;
  bad_listen.listen = "[::1]:99999";
  CHECK(apply_overrides(c, bad_listen).error().field == "--listen");
}

TEST_CASE("listen addresses") {
  CHECK(parse_listen_address("0.0.0.0:80").value() == listen_address{"0.0.0.0", 80});
  CHECK(parse_listen_address("[::1]:8080").value() == listen_address{"::1", 8080});
  CHECK(to_string(listen_address{"::1", 8080}) == "[::1]:8080");
  CHECK_FALSE(parse_listen_address("::1:8080"));
  CHECK_FALSE(parse_listen_address(":8080"));
  CHECK_FALSE(parse_listen_address("host:http"));
  CHECK(is_loopback("127.0.0.1"));
  CHECK(is_loopback("::1"));
  CHECK(is_loopback("localhost"));
  CHECK_FALSE(is_loopback("0.0.0.0"));
}
