// jobctl: the operator's view of a jobrt SQLite store.
//
//   jobctl --db PATH [--json] stats
//   jobctl --db PATH [--json] list [--state S] [--type T] [--queue Q]
//                                  [--limit N] [--after ID]
//   jobctl --db PATH [--json] show ID
//   jobctl --db PATH [--json] cancel ID
//   jobctl --db PATH [--json] requeue ID
//   jobctl --db PATH [--json] purge --state S [--older-than 30s|15m|12h|7d]
//
// Global options may also follow the command. Exit codes: 0 done; 2 refused
// (unknown id, a transition the job's state forbids, a non-terminal purge);
// 3 the store failed or is owned by a running runtime; CLI11's codes for
// usage errors. See commands.hpp for which commands need the file's lock.

#include "commands.hpp"
#include "duration_arg.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <limits>

namespace {

using namespace jobctl;

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
};

jobrt::job_state state_argument(const std::string& option,
                                const std::string& text) {
  auto state = jobrt::parse_job_state(text);
  if (!state)
    throw CLI::ValidationError(option, state.error().message());
  return state.value();
}

void add_id_argument(CLI::App& command, jobrt::job_id& id) {
  command.add_option("id", id, "the job's id")
      ->required()
      ->check(CLI::Range(jobrt::job_id{1},
                         std::numeric_limits<jobrt::job_id>::max()));
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
  cl.list->add_option("--limit", args.limit, "jobs per page")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, jobrt::max_page_size));
  cl.list->add_option("--after", args.after,
                      "start after this id (the previous page's hint)")
      ->check(CLI::NonNegativeNumber);
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
  app.add_option("--db", cl.global.db_path, "the jobrt SQLite file")
      ->required();
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
  return purge_jobs(g, cl.purge_args, std::cout);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Inspect and repair the jobs of a jobrt SQLite store.",
               "jobctl"};
  // Subcommands inherit this: options of the whole program may follow the
  // command too ("jobctl list --json --db f").
  app.fallthrough();
  app.require_subcommand(1);
  command_line cl;
  add_commands(app, cl);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto done = run(cl);
  if (done)
    return 0;
  std::cerr << "jobctl: " << done.error().message << '\n';
  return static_cast<int>(done.error().code);
}
