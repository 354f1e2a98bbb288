#include "job_type_config.hpp"

#include "jobrt/actors/circuit_breaker.hpp"
#include "jobrt/actors/retry_policy.hpp"

namespace jobrtd {

namespace {

using jobrt::duration;

std::optional<jobrt::backoff> read_backoff(config_reader& r) {
  std::string kind = "exponential";
  r.read("kind", kind);
  if (kind == "exponential") {
    jobrt::exponential_backoff b;
    r.read("base", b.base);
    r.read("factor", b.factor);
    r.read("cap", b.cap);
    return b;
  }
  if (kind == "fixed") {
    jobrt::fixed_backoff b;
    r.read("delay", b.delay);
    return b;
  }
  if (kind == "schedule") {
    jobrt::schedule_backoff b;
    r.read("steps", b.steps);
    return b;
  }
  r.fail("kind", "must be exponential, fixed or schedule");
  return std::nullopt;
}

jobrt::jitter read_jitter(config_reader& r) {
  jobrt::jitter j;
  std::string kind = "none";
  r.read("kind", kind);
  if (kind == "none")
    j.kind = jobrt::jitter_kind::none;
  else if (kind == "full")
    j.kind = jobrt::jitter_kind::full;
  else if (kind == "equal")
    j.kind = jobrt::jitter_kind::equal;
  else if (kind == "proportional")
    j.kind = jobrt::jitter_kind::proportional;
  else
    r.fail("kind", "must be none, full, equal or proportional");
  r.read("proportion", j.proportion);
  return j;
}

jobrt::error_rule read_rule(config_reader& r) {
  jobrt::error_rule rule;
  r.read("code", rule.code);
  if (!r.has("code"))
    r.fail("code", "is required");
  if (r.has("max_attempts")) {
    std::int32_t n = 0;
    r.read("max_attempts", n, 1, jobrt::max_attempts_limit);
    rule.max_attempts = n;
  }
  if (auto b = r.table("backoff")) {
    rule.backoff = read_backoff(*b);
    b->finish();
  }
  r.read("never_retry", rule.never_retry);
  return rule;
}

jobrt::retry_policy read_retry(config_reader& r) {
  jobrt::retry_policy p;
  r.read("max_attempts", p.max_attempts, 1, jobrt::max_attempts_limit);
  if (auto b = r.table("backoff")) {
    if (auto parsed = read_backoff(*b))
      p.backoff = *parsed;
    b->finish();
  }
  if (auto j = r.table("jitter")) {
    p.jitter = read_jitter(*j);
    j->finish();
  }
  r.read("max_delay", p.max_delay);
  for (auto& rule : r.tables("rules")) {
    p.rules.push_back(read_rule(rule));
    rule.finish();
  }
  return p;
}

void read_window(config_reader& r, jobrt::breaker_config& c) {
  std::string kind = "count";
  r.read("kind", kind);
  if (kind == "count") {
    jobrt::count_window w;
    r.read("calls", w.calls, 1, 1'000'000);
    c.window = w;
  } else if (kind == "time") {
    jobrt::time_window w;
    r.read("span", w.span);
    c.window = w;
  } else {
    r.fail("kind", "must be count or time");
  }
}

void read_threshold(config_reader& r, jobrt::breaker_config& c) {
  std::string kind = "count";
  r.read("kind", kind);
  if (kind == "count") {
    jobrt::failure_count_threshold t;
    r.read("failures", t.failures, 1, 1'000'000);
    c.threshold = t;
  } else if (kind == "rate") {
    jobrt::failure_rate_threshold t;
    r.read("rate", t.rate);
    r.read("min_calls", t.min_calls, 1, 1'000'000);
    c.threshold = t;
  } else {
    r.fail("kind", "must be count or rate");
  }
}

std::optional<jobrt::breaker_config> read_breaker(config_reader& r) {
  bool enabled = true;
  r.read("enabled", enabled);
  jobrt::breaker_config c;
  if (auto w = r.table("window")) {
    read_window(*w, c);
    w->finish();
  }
  if (auto t = r.table("threshold")) {
    read_threshold(*t, c);
    t->finish();
  }
  r.read("cooldown", c.cooldown);
  r.read("cooldown_growth", c.cooldown_growth);
  r.read("max_cooldown", c.max_cooldown);
  r.read("probes", c.probes, 1, 1'000'000);
  if (!enabled)
    return std::nullopt;
  return c;
}

void read_pairs(config_reader& r, std::string_view key,
                std::vector<std::pair<std::string, std::string>>& out) {
  auto table = r.table(key);
  if (!table)
    return;
  for (const auto& name : table->keys()) {
    std::string value;
    table->read(name, value);
    out.emplace_back(name, value);
  }
}

exec_config read_exec(config_reader& r) {
  exec_config c;
  r.read("command", c.command);
  if (c.command.empty() || c.command.front().empty())
    r.fail("command", "must name a program: command = [\"cat\"]");
  r.read("permanent_exit_codes", c.permanent_exit_codes);
  r.read("output_limit", c.output_limit, 0, 64 * 1024 * 1024);
  r.read("kill_grace", c.kill_grace);
  read_pairs(r, "environment", c.environment);
  return c;
}

http_config read_http(config_reader& r) {
  http_config c;
  r.read("method", c.method);
  if (c.method != "POST" && c.method != "PUT" && c.method != "PATCH")
    r.fail("method", "must be POST, PUT or PATCH");
  r.read("url", c.url);
  if (!c.url.starts_with("http://") && !c.url.starts_with("https://"))
    r.fail("url", "must start with http:// or https://");
  read_pairs(r, "headers", c.headers);
  r.read("content_type", c.content_type);
  r.read("timeout", c.timeout);
  if (c.timeout <= duration::zero())
    r.fail("timeout", "must be positive");
  r.read("output_limit", c.output_limit, 0, 64 * 1024 * 1024);
  return c;
}

plugin_config read_plugin(config_reader& r) {
  plugin_config c;
  r.read("library", c.library);
  if (c.library.empty())
    r.fail("library", "must name the plug-in's shared library");
  r.read("function", c.function);
  if (c.function.empty())
    r.fail("function", "must name a callable the plug-in registers");
  return c;
}

/// The handler's own table ([types.NAME.exec] and so on).
handler_config read_handler(config_reader& r) {
  std::string kind;
  r.read("handler", kind);
  if (kind != "exec" && kind != "http" && kind != "plugin") {
    r.fail("handler", "must be exec, http or plugin");
    return exec_config{};
  }
  auto settings = r.table(kind);
  if (!settings) {
    r.fail(kind, "is required: the [" + r.path_of(kind) + "] table");
    return exec_config{};
  }
  handler_config c;
  if (kind == "exec")
    c = read_exec(*settings);
  else if (kind == "http")
    c = read_http(*settings);
  else
    c = read_plugin(*settings);
  settings->finish();
  return c;
}

} // namespace

job_type_config read_job_type(std::string name, config_reader& r) {
  job_type_config t;
  t.name = std::move(name);
  t.handler = read_handler(r);
  if (auto retry = r.table("retry")) {
    t.options.retry = read_retry(*retry);
    retry->finish();
  }
  r.read("timeout", t.options.timeout);
  if (auto breaker = r.table("breaker")) {
    t.options.breaker = read_breaker(*breaker);
    breaker->finish();
  }
  if (r.has("concurrency")) {
    std::int32_t n = 1;
    r.read("concurrency", n, 1, 1'000'000);
    t.options.concurrency = n;
  }
  return t;
}

void check_job_type_options(const jobrt::job_type_options& options,
                            const std::string& path, config_errors& errors) {
  if (auto policy = jobrt::validate_policy(options.retry); !policy)
    errors.add(path + ".retry." + policy.error().field, policy.error().detail);
  if (options.breaker)
    if (auto breaker = jobrt::validate_breaker_config(*options.breaker); !breaker)
      errors.add(path + ".breaker." + breaker.error().field,
                 breaker.error().detail);
  if (options.timeout <= jobrt::duration::zero() ||
      options.timeout > jobrt::max_timeout)
    errors.add(path + ".timeout", "must be positive and at most a week");
}

} // namespace jobrtd
