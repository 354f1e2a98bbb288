// jobctl: the operator's view of a jobrt store, a SQLite file or a
// PostgreSQL database (a postgresql:// or postgres:// URI).
//
//   jobctl --db STORE [--json] stats
//   jobctl --db STORE [--json] list [--state S] [--type T] [--queue Q]
//                                   [--limit N] [--after ID]
//   jobctl --db STORE [--json] show ID
//   jobctl --db STORE [--json] cancel ID
//   jobctl --db STORE [--json] requeue ID
//   jobctl --db STORE [--json] purge --state S [--older-than 30s|15m|12h|7d]
//   jobctl --db URI [--schema NAME] [--json] nodes
//
// Global options may also follow the command. Ids, --limit and --after are
// decimal digits (cli/decimal_arg.hpp). Exit codes: see exit_codes below.
// With --json every answer, errors included, is one line of JSON on stdout.
// Changes work while runtimes run on the store: see commands.hpp.

#include "commands.hpp"
#include "duration_arg.hpp"

#include "cli/decimal_arg.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <limits>
#include <string_view>

namespace {

using namespace jobctl;

constexpr const char* exit_codes =
    "Exit codes:\n"
    "  0  done\n"
    "  1  usage error: unknown option, malformed number, missing argument\n"
    "  2  refused: unknown id, a transition the job's state forbids, a\n"
    "     unique key held by another live job, purge of a live state, a\n"
    "     job a running runtime changed since jobctl read it, nodes of a\n"
    "     SQLite file\n"
    "  3  store failure: the file is missing, not a jobrt store, corrupt,\n"
    "     unreadable, or busy past the wait for another writer; the\n"
    "     PostgreSQL server cannot be reached or refuses the connection,\n"
    "     the database has no such jobrt schema, a bad --schema name\n"
    "With --json, errors are JSON on stdout too:\n"
    "  {\"error\":{\"code\":\"not_found\",\"message\":\"no job with id 9\"}}";

/// Every subcommand and the values its options fill.
struct command_line {
  global_options global;
  CLI::App* stats = nullptr;
  CLI::App* list = nullptr;
  list_options list_args;
  CLI::App* show = nullptr;
  CLI::App* cancel = nullptr;
  CLI::App* requeue = nullptr;
  jobrt::job_id id = 0;
  CLI::App* purge = nullptr;
  purge_options purge_args;
  CLI::App* nodes = nullptr;
};

jobrt::job_state state_argument(const std::string& option,
                                const std::string& text) {
  auto state = jobrt::parse_job_state(text);
  if (!state)
    throw CLI::ValidationError(option, state.error().message());
  return state.value();
}

constexpr auto max_id =
    static_cast<std::uint64_t>(std::numeric_limits<jobrt::job_id>::max());

/// `text` as a number in `range`, or the usage error that says why not.
std::uint64_t number_argument(std::string_view name, const std::string& text,
                              jobrt::cli::decimal_range range) {
  auto n = jobrt::cli::parse_decimal_arg(name, text, range);
  if (!n)
    throw CLI::ValidationError(n.error().message);
  return n.value();
}

void add_id_argument(CLI::App& command, jobrt::job_id& id) {
  command
      .add_option_function<std::string>(
          "id",
          [&id](const std::string& s) {
            id = static_cast<jobrt::job_id>(number_argument("id", s, {1, max_id}));
          },
          "the job's id")
      ->type_name("ID")
      ->required();
}

void add_list(CLI::App& app, command_line& cl) {
  cl.list = app.add_subcommand("list", "jobs in id order, a page at a time");
  auto& args = cl.list_args;
  cl.list->add_option_function<std::string>(
      "--state",
      [&args](const std::string& s) { args.state = state_argument("--state", s); },
      "only jobs in this state");
  cl.list->add_option_function<std::string>(
      "--type", [&args](const std::string& s) { args.type = s; },
      "only jobs of this type");
  cl.list->add_option_function<std::string>(
      "--queue", [&args](const std::string& s) { args.queue = s; },
      "only jobs of this queue");
  cl.list
      ->add_option_function<std::string>(
          "--limit",
          [&args](const std::string& s) {
            args.limit = number_argument("--limit", s, {1, jobrt::max_page_size});
          },
          "jobs per page, 1 to " + std::to_string(jobrt::max_page_size) +
              " (default " + std::to_string(args.limit) + ")")
      ->type_name("N");
  cl.list
      ->add_option_function<std::string>(
          "--after",
          [&args](const std::string& s) {
            args.after = static_cast<jobrt::job_id>(
                number_argument("--after", s, {0, max_id}));
          },
          "start after this id (the previous page's hint)")
      ->type_name("ID");
}

void add_purge(CLI::App& app, command_line& cl) {
  cl.purge = app.add_subcommand(
      "purge", "remove finished jobs of a terminal state");
  auto& args = cl.purge_args;
  cl.purge
      ->add_option_function<std::string>(
          "--state",
          [&args](const std::string& s) {
            args.state = state_argument("--state", s);
          },
          "completed, dead or cancelled")
      ->required();
  cl.purge->add_option_function<std::string>(
      "--older-than",
      [&args](const std::string& s) {
        auto age = parse_duration_arg(s);
        if (!age)
          throw CLI::ValidationError("--older-than", age.error().message());
        args.older_than = age.value();
      },
      "only jobs finished longer ago than this (30s, 15m, 12h, 7d); "
      "default: all");
}

void add_commands(CLI::App& app, command_line& cl) {
  app.add_option_function<std::string>(
         "--db",
         [&cl](const std::string& path) {
           if (path.empty())
             throw CLI::ValidationError("--db must name a file, not ''");
           cl.global.db_path = path;
         },
         "the jobrt SQLite file, or a PostgreSQL database: a postgresql:// "
         "or postgres:// URI")
      ->type_name("PATH|URI")
      ->required();
  // Checked by the store, which knows the rules for its names.
  app.add_option("--schema", cl.global.schema,
                 "PostgreSQL: the schema that holds the queue (default " +
                     cl.global.schema + ")")
      ->type_name("NAME");
  app.add_flag("--json", cl.global.json, "answer with one line of JSON");
  cl.stats = app.add_subcommand("stats", "how many jobs are in each state");
  add_list(app, cl);
  cl.show = app.add_subcommand("show", "one job with its error history");
  add_id_argument(*cl.show, cl.id);
  cl.cancel = app.add_subcommand("cancel", "cancel a job that has not finished");
  add_id_argument(*cl.cancel, cl.id);
  cl.requeue = app.add_subcommand(
      "requeue", "run a dead or cancelled job again from attempt 0");
  add_id_argument(*cl.requeue, cl.id);
  add_purge(app, cl);
  cl.nodes = app.add_subcommand(
      "nodes", "PostgreSQL: the runtimes sharing the queue, their last "
               "heartbeat, and the leader");
}

command_result run(const command_line& cl) {
  const auto& g = cl.global;
  if (*cl.stats)
    return show_stats(g, std::cout);
  if (*cl.list)
    return list_jobs(g, cl.list_args, std::cout);
  if (*cl.show)
    return show_job(g, cl.id, std::cout);
  if (*cl.cancel)
    return change_job(g, cl.id, job_change::cancel, std::cout);
  if (*cl.requeue)
    return change_job(g, cl.id, job_change::requeue, std::cout);
  if (*cl.nodes)
    return show_nodes(g, std::cout);
  return purge_jobs(g, cl.purge_args, std::cout);
}

/// A usage error, as JSON when --json is among the arguments (CLI11 stopped
/// before it could set the flag).
int usage_error(int argc, char** argv, const CLI::ParseError& e) {
  bool json = false;
  for (int i = 1; i < argc; ++i)
    json = json || std::string_view(argv[i]) == "--json";
  command_error usage{command_error::code_type::usage, "usage", e.what()};
  print_error(json, usage, std::cout, std::cerr);
  if (!json)
    std::cerr << "Run with --help for more information.\n";
  return static_cast<int>(usage.code);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Inspect and repair the jobs of a jobrt store (SQLite or "
               "PostgreSQL).",
               "jobctl"};
  // Subcommands inherit this: options of the whole program may follow the
  // command too ("jobctl list --json --db f").
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(exit_codes);
  command_line cl;
  add_commands(app, cl);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) { // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(argc, argv, e);
  }
  auto done = run(cl);
  if (done)
    return 0;
  print_error(cl.global.json, done.error(), std::cout, std::cerr);
  return static_cast<int>(done.error().code);
}
