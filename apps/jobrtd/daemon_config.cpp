#include "daemon_config.hpp"

#include "config_reader.hpp"
#include "job_type_config.hpp"

#include "jobrt/messages/job.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace jobrtd {

namespace {

void read_store(config_reader& r, store_config& c) {
  r.read("db", c.database);
  if (c.database.empty())
    r.fail("db", "must name a SQLite file (or a database URI)");
  r.read("worker_threads", c.worker_threads, 1, 1024);
  r.read("max_in_flight", c.max_in_flight, 1, 1'000'000);
  if (auto queues = r.table("queue_concurrency"))
    for (const auto& queue : queues->keys()) {
      std::int32_t n = 1;
      queues->read(queue, n, 1, 1'000'000);
      c.queue_concurrency[queue] = n;
    }
}

void read_server(config_reader& r, server_config& c) {
  if (r.has("listen")) {
    std::string text;
    r.read("listen", text);
    if (auto a = parse_listen_address(text))
      c.listen = a.value();
    else
      r.fail("listen", a.error());
  }
  r.read("threads", c.threads, 2, 1024);
  r.read("max_event_streams", c.max_event_streams, 0, 1023);
  if (c.max_event_streams >= c.threads)
    r.fail("max_event_streams", "must be below threads (each stream holds one)");
  r.read("event_buffer", c.event_buffer, 1, 1'000'000);
  r.read("max_body_bytes", c.max_body_bytes, 1, 1024 * 1024 * 1024);
  r.read("read_timeout", c.read_timeout);
  r.read("write_timeout", c.write_timeout);
  r.read("keep_alive_timeout", c.keep_alive_timeout);
  for (auto key : {"read_timeout", "write_timeout", "keep_alive_timeout"})
    if (r.has(key)) {
      jobrt::duration d{};
      r.read(key, d);
      if (d < std::chrono::milliseconds(1))
        r.fail(key, "must be at least 1ms");
    }
  r.read("keep_alive_max_requests", c.keep_alive_max_requests, 1, 1'000'000);
}

access_token read_token(config_reader& r) {
  access_token t;
  std::string role_name;
  r.read("role", role_name);
  if (auto granted = parse_role(role_name))
    t.granted = *granted;
  else
    r.fail("role", "must be read, enqueue or admin");
  // A secret in the file, or (better for service managers) the name of an
  // environment variable holding it.
  if (r.has("token") == r.has("token_env"))
    r.fail("token", "give exactly one of token and token_env");
  r.read("token", t.secret);
  if (r.has("token_env")) {
    std::string variable;
    r.read("token_env", variable);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0')
      r.fail("token_env", "names " + variable + ", which is not set");
    else
      t.secret = value;
  }
  if (t.secret.size() < 16 && !r.has("token_env"))
    r.fail("token", "must be at least 16 characters");
  return t;
}

void read_types(config_reader& r, std::vector<job_type_config>& out,
                config_errors& errors) {
  auto types = r.table("types");
  if (!types)
    return;
  for (const auto& name : types->keys()) {
    if (name.empty() || name.size() > jobrt::max_name_bytes) {
      types->fail(name, "a type name must have 1.." +
                            std::to_string(jobrt::max_name_bytes) + " bytes");
      continue;
    }
    auto type = types->table(name);
    if (!type)
      continue;
    out.push_back(read_job_type(name, *type));
    type->finish();
    check_job_type_options(out.back().options, type->path(), errors);
  }
}

} // namespace

jobrt::result<daemon_config, jobrt::config_error>
parse_config(std::string_view text, std::string_view origin) {
  toml::table document;
  try {
    document = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return jobrt::config_error{
        std::string(origin),
        "line " + std::to_string(e.source().begin.line) + ": " +
            std::string(e.description())};
  }
  config_errors errors;
  config_reader root(document, "", errors);
  daemon_config c;
  root.read("log_level", c.log_level);
  if (c.log_level != "trace" && c.log_level != "debug" &&
      c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error" && c.log_level != "off")
    root.fail("log_level", "must be trace, debug, info, warn, error or off");
  root.read("shutdown_grace", c.shutdown_grace);
  if (auto store = root.table("store")) {
    read_store(*store, c.store);
    store->finish();
  }
  if (auto server = root.table("server")) {
    read_server(*server, c.server);
    server->finish();
  }
  for (auto& token : root.tables("tokens")) {
    c.tokens.push_back(read_token(token));
    token.finish();
  }
  read_types(root, c.types, errors);
  root.finish();
  if (errors.any())
    return *errors.first();
  return c;
}

jobrt::result<daemon_config, jobrt::config_error>
load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return jobrt::config_error{path, "cannot be read"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

} // namespace jobrtd
