#include "demo_options.hpp"

#include "cli/decimal_arg.hpp"

#include "jobrt/persistence/store_location.hpp"

#include <cstdio>

namespace jobrt::demo {

namespace {

/// More processes than this on one small machine only measure its
/// scheduler.
constexpr std::uint64_t max_nodes = 64;

void print_usage() {
  std::fprintf(stderr,
               "usage: jobrt-demo [--db FILE|URI | --store memory] [--log FILE|-]\n"
               "                  [--crash-after SECONDS] [--schema NAME] [--nodes N]\n"
               "  --db           the job database: a SQLite file (default "
               "jobrt-demo.db),\n"
               "                 or a postgresql:// URI that several demo "
               "processes share.\n"
               "                 Run again on the same file to resume.\n"
               "  --store memory keep jobs in memory only (not durable)\n"
               "  --log          the runtime's warnings (dead letters, "
               "breaker changes);\n"
               "                 default jobrt-demo.log, '-' for stderr\n"
               "  --crash-after  exit abruptly after SECONDS, as if killed\n"
               "  --schema       PostgreSQL: the schema of the queue "
               "(default jobrt)\n"
               "  --nodes        PostgreSQL: run N demo processes on the "
               "database and\n"
               "                 report which ran what\n");
}

/// `text` as a count in [low, high], or nullopt after saying why.
std::optional<std::size_t> count_argument(const char* name, const char* text,
                                          std::uint64_t low,
                                          std::uint64_t high) {
  auto n = cli::parse_decimal_arg(name, text, {low, high});
  if (!n) {
    std::fprintf(stderr, "jobrt-demo: %s\n", n.error().message.c_str());
    return std::nullopt;
  }
  return static_cast<std::size_t>(n.value());
}

} // namespace

bool demo_options::on_postgres() const {
  return !memory && names_postgres(db_path);
}

std::optional<demo_options> parse_options(int argc, char** argv) {
  demo_options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--store" && has_value) {
      std::string store = argv[++i];
      options.memory = store == "memory";
      if (options.memory || store == "sqlite")
        continue;
      std::fprintf(stderr, "jobrt-demo: unknown store '%s'\n", store.c_str());
      return std::nullopt;
    }
    if (arg == "--db" && has_value) {
      options.db_path = argv[++i];
      continue;
    }
    if (arg == "--crash-after" && has_value) {
      auto after = cli::parse_seconds_arg("--crash-after", argv[++i],
                                          {0, 3'600'000});
      if (!after) {
        std::fprintf(stderr, "jobrt-demo: %s\n", after.error().message.c_str());
        return std::nullopt;
      }
      options.crash_after = after.value();
      continue;
    }
    if (arg == "--log" && has_value) {
      options.log_path = argv[++i];
      continue;
    }
    if (arg == "--schema" && has_value) {
      options.schema = argv[++i];
      continue;
    }
    if (arg == "--nodes" && has_value) {
      options.nodes = count_argument("--nodes", argv[++i], 1, max_nodes);
      if (!options.nodes)
        return std::nullopt;
      continue;
    }
    if (arg == "--node-index" && has_value) {
      options.node_index = count_argument("--node-index", argv[++i], 0,
                                          max_nodes - 1);
      if (!options.node_index)
        return std::nullopt;
      continue;
    }
    print_usage();
    return std::nullopt;
  }
  if (options.node_index && (!options.nodes || *options.node_index >= *options.nodes)) {
    std::fprintf(stderr, "jobrt-demo: --node-index must be below --nodes\n");
    return std::nullopt;
  }
  if (options.nodes && !options.on_postgres()) {
    // One runtime owns a SQLite file; only PostgreSQL has room for more.
    std::fprintf(stderr, "jobrt-demo: --nodes needs --db postgresql://...\n");
    return std::nullopt;
  }
  return options;
}

} // namespace jobrt::demo
