// kill -9 at many moments, restart, and check DESIGN.md's durability
// invariants: no acknowledged job is lost, none is completed twice, attempt
// counts never go down, no attempt exceeds max_attempts, and the error
// history matches the attempts that ran.
//
// jobrt-crash-worker (crash_worker.cpp) works through the jobs on a SQLite
// file and journals, fsynced and outside the database, every acknowledged
// enqueue and every execution with its attempt and outcome. This test
// SIGKILLs it at seeded pseudo-random moments, some chosen to land inside a
// group commit (right after a handler journaled its result, before the
// supervisor's commit of that result is durable, or right after an enqueue
// batch was acknowledged), restarts it each time, lets a last run finish,
// and checks the file against the journals and against the snapshots read
// after every kill.
//
// JOBRT_CRASH_SEED, JOBRT_CRASH_JOBS and JOBRT_CRASH_KILLS override the
// defaults (printed); JOBRT_CRASH_DIR keeps the files in that directory.
//
// At least once: a handler that returned success just before the kill, its
// completion not yet committed, runs again after the restart (the attempt
// is recovered as abandoned). The journal then holds two successful
// executions of one job; that is allowed only when the earlier attempt is
// recorded as abandoned (or timed out), i.e. it was never completed.

#include "crash/crash_workload.hpp"
#include "persistence/all_jobs.hpp"
#include "persistence/scratch_dir.hpp"

#include "cli/decimal_arg.hpp"

#include "jobrt/persistence/sqlite_store.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace jobrt;
using namespace jobrt::crash;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// -- settings ----------------------------------------------------------------

/// The variable's number, `fallback` when it is unset or empty; a value
/// that is not decimal digits in `range` fails the test, saying why.
std::uint64_t env_number(const char* name, std::uint64_t fallback,
                         cli::decimal_range range = {}) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0')
    return fallback;
  auto value = cli::parse_decimal_arg(name, text, range);
  if (!value)
    FAIL(value.error().message);
  return value.value();
}

struct crash_settings {
  std::uint64_t seed = env_number("JOBRT_CRASH_SEED", 20240917);
  std::size_t jobs = env_number("JOBRT_CRASH_JOBS", 2500, {1, 1'000'000});
  std::size_t kills = env_number("JOBRT_CRASH_KILLS", 24, {1, 10'000});
};

// -- the worker process --------------------------------------------------------

struct worker_files {
  std::string db;
  std::string journal;
  std::string acks;
  std::string log;
};

pid_t spawn_worker(const worker_files& files, const crash_settings& s) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, files.log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> args{JOBRT_CRASH_WORKER, files.db, files.journal,
                                std::to_string(s.seed), std::to_string(s.jobs)};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, JOBRT_CRASH_WORKER, &actions, nullptr,
                       argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  return pid;
}

/// The child's wait status once it has exited, or nullopt at the deadline.
std::optional<int> wait_until(pid_t pid, clock_type::time_point deadline) {
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return status;
    if (clock_type::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(1ms);
  }
}

/// Kills and reaps the child; returns its wait status.
int kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

std::uintmax_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uintmax_t>(st.st_size)
                                        : 0;
}

/// Polls `path` until it grows past its current size, the child exits or
/// the deadline passes; true if it grew (the child is still running then).
bool wait_for_growth(pid_t pid, const std::string& path,
                     clock_type::time_point deadline, std::optional<int>& exited) {
  const auto before = file_size(path);
  while (clock_type::now() < deadline) {
    if (file_size(path) > before)
      return true;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = status;
      return false;
    }
    std::this_thread::sleep_for(100us);
  }
  return false;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail(const std::string& text, std::size_t n = 2000) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

// -- the journals ----------------------------------------------------------------

struct execution {
  std::int32_t attempt = 0;
  std::string outcome; ///< ok, transient or stopped
};

struct execution_journal {
  std::map<job_id, std::vector<execution>> by_job;
  std::size_t total = 0;
  std::size_t malformed = 0;
};

execution_journal parse_executions(const std::string& text) {
  execution_journal journal;
  std::istringstream lines{text.substr(0, text.rfind('\n') + 1)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields{line};
    std::string tag, outcome, rest;
    job_id id = 0;
    std::int32_t attempt = 0;
    if (!(fields >> tag >> id >> attempt >> outcome) || tag != "exec" ||
        (fields >> rest)) {
      ++journal.malformed;
      continue;
    }
    journal.by_job[id].push_back({attempt, outcome});
    ++journal.total;
  }
  return journal;
}

struct acks_journal {
  std::map<std::string, job_id> ids;
  std::vector<std::string> problems; ///< "existing" lines, keys acked twice
};

acks_journal parse_acks(const std::string& text) {
  acks_journal acks;
  // The last kill may have torn the last line: only whole lines count (the
  // worker drops a torn tail when it starts again).
  std::istringstream lines{text.substr(0, text.rfind('\n') + 1)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields{line};
    std::string tag, key;
    job_id id = 0;
    if (!(fields >> tag >> key >> id) || tag != "ack" ||
        !acks.ids.emplace(key, id).second)
      acks.problems.push_back(line);
  }
  return acks;
}

// -- the database ----------------------------------------------------------------

/// The file as a reader sees it. `may_be_new`: a kill may have come before
/// the first run created the file or committed its schema; then it holds
/// no jobs.
std::map<job_id, job> load_jobs(const std::string& db, bool may_be_new = false) {
  if (may_be_new && !std::filesystem::exists(db))
    return {};
  auto reader = sqlite_store::open_reader(db);
  if (may_be_new && !reader && reader.error().code == store_error::code_type::corrupt)
    return {};
  INFO((reader ? std::string{} : reader.error().message));
  REQUIRE(reader);
  auto snapshot = test::all_jobs(*reader.value());
  INFO((snapshot ? std::string{} : snapshot.error().message));
  REQUIRE(snapshot);
  std::map<job_id, job> jobs;
  for (auto& j : snapshot.value())
    jobs.emplace(j.id, std::move(j));
  return jobs;
}

/// Between two snapshots: attempts never go down, and a terminal job stays
/// exactly as it was.
void check_progress(const std::map<job_id, job>& before,
                    const std::map<job_id, job>& after) {
  for (const auto& [id, old] : before) {
    auto now = after.find(id);
    INFO("job " << id);
    REQUIRE(now != after.end()); // nothing is lost (retention is off)
    CHECK(now->second.attempt >= old.attempt);
    if (is_terminal(old.state)) {
      CHECK(now->second.state == old.state);
      CHECK(now->second.attempt == old.attempt);
    }
  }
}

/// (job, attempt) pairs that were `processing` in a snapshot: the restart
/// must record exactly these as abandoned.
using attempt_key = std::pair<job_id, std::int32_t>;

std::set<attempt_key> processing_attempts(const std::map<job_id, job>& jobs) {
  std::set<attempt_key> running;
  for (const auto& [id, j] : jobs)
    if (j.state == job_state::processing)
      running.emplace(id, j.attempt);
  return running;
}

// -- the kills -----------------------------------------------------------------------

enum class kill_moment : std::uint8_t {
  timed,          ///< at a random time
  after_result,   ///< right after a handler journaled a result
  after_enqueue,  ///< right after an enqueue batch was acknowledged
};

struct crash_figures {
  std::size_t kills = 0;
  std::size_t timed_kills = 0;
  std::size_t kills_after_result = 0;
  std::size_t kills_after_enqueue = 0;
  /// Kills after a result whose job was still `processing` with that
  /// attempt in the snapshot: the kill beat the result's group commit.
  std::size_t kills_before_result_commit = 0;
  std::size_t runs_finished_before_kill = 0;
};

struct crash_run {
  const worker_files& files;
  const crash_settings& settings;
  std::mt19937_64& random;
  crash_figures& figures;
  std::map<job_id, job> last_snapshot;
  std::set<attempt_key> killed_attempts;

  std::chrono::milliseconds random_ms(int low, int high) {
    return std::chrono::milliseconds(
        std::uniform_int_distribution<int>{low, high}(random));
  }

  kill_moment choose_moment() {
    auto roll = std::uniform_int_distribution<int>{0, 99}(random);
    // The file does not hold every job yet: the next run enqueues some.
    bool enqueueing = last_snapshot.size() < settings.jobs;
    if (enqueueing && (figures.kills_after_enqueue == 0 || roll < 25))
      return kill_moment::after_enqueue;
    return roll < 45 ? kill_moment::timed : kill_moment::after_result;
  }

  /// One run: spawn, wait for the chosen moment, SIGKILL, reap, and check
  /// the file against the previous snapshot.
  void kill_once() {
    auto moment = choose_moment();
    // Short enough that the kills end long before the work does (an
    // uninterrupted run takes about 7 s).
    auto pause = moment == kill_moment::timed ? random_ms(20, 250)
                                              : random_ms(20, 200);
    auto journal_before = file_size(files.journal);
    auto pid = spawn_worker(files, settings);
    auto start = clock_type::now();
    std::optional<int> exited;
    bool grew = false;
    if (moment == kill_moment::after_enqueue) {
      grew = wait_for_growth(pid, files.acks, start + 400ms, exited);
    } else {
      exited = wait_until(pid, start + pause);
      if (!exited && moment == kill_moment::after_result) {
        journal_before = file_size(files.journal);
        grew = wait_for_growth(pid, files.journal, start + pause + 500ms,
                               exited);
      }
    }
    auto journal_at_kill = file_size(files.journal);
    if (exited) {
      INFO("worker log:\n" << tail(read_file(files.log)));
      REQUIRE(WIFEXITED(*exited));
      REQUIRE(WEXITSTATUS(*exited) == 0);
      ++figures.runs_finished_before_kill;
    } else {
      auto status = kill_and_reap(pid);
      REQUIRE(WIFSIGNALED(status));
      ++figures.kills;
      count_moment(moment, grew);
    }
    auto snapshot = load_jobs(files.db, last_snapshot.empty() &&
                                            file_size(files.acks) == 0);
    check_progress(last_snapshot, snapshot);
    if (grew && moment == kill_moment::after_result)
      note_result_commit(journal_before, journal_at_kill, snapshot);
    auto running = processing_attempts(snapshot);
    killed_attempts.insert(running.begin(), running.end());
    last_snapshot = std::move(snapshot);
  }

  void count_moment(kill_moment moment, bool grew) {
    if (moment == kill_moment::after_result && grew)
      ++figures.kills_after_result;
    else if (moment == kill_moment::after_enqueue && grew)
      ++figures.kills_after_enqueue;
    else
      ++figures.timed_kills;
  }

  /// Whether the results journaled just before the kill were committed.
  void note_result_commit(std::uintmax_t from, std::uintmax_t to,
                          const std::map<job_id, job>& snapshot) {
    auto text = read_file(files.journal);
    if (to > text.size() || from >= to)
      return;
    auto fresh = parse_executions(text.substr(from, to - from));
    for (const auto& [id, runs] : fresh.by_job) {
      auto j = snapshot.find(id);
      for (const auto& run : runs)
        if (j != snapshot.end() && j->second.state == job_state::processing &&
            j->second.attempt == run.attempt) {
          ++figures.kills_before_result_commit;
          return;
        }
    }
  }
};

// -- the final checks -------------------------------------------------------------

struct final_figures {
  std::size_t completed = 0;
  std::size_t dead = 0;
  std::size_t abandoned = 0;
  std::size_t timeouts = 0;
  std::size_t transient = 0;
  /// Successful executions whose completion was never committed: a kill
  /// came first (the job ran again: at least once), or the timeout did.
  std::size_t successes_lost_to_kills = 0;
  std::size_t successes_lost_to_timeouts = 0;
};

const execution* find_execution(const std::vector<execution>& runs,
                                std::int32_t attempt) {
  for (const auto& run : runs)
    if (run.attempt == attempt)
      return &run;
  return nullptr;
}

/// The error history: one entry per failed attempt, numbered 1.. in order,
/// and each consistent with what the handler journaled for that attempt.
void check_errors(const job& j, const std::vector<execution>& runs,
                  final_figures& figures) {
  const auto failed = j.attempt - (j.state == job_state::completed ? 1 : 0);
  REQUIRE(j.errors.size() == static_cast<std::size_t>(failed));
  for (std::size_t i = 0; i < j.errors.size(); ++i) {
    const auto& e = j.errors[i];
    INFO("error " << i << ": attempt " << e.attempt << " "
                  << to_string(e.error.kind) << " " << e.error.code);
    CHECK(e.attempt == static_cast<std::int32_t>(i + 1));
    const auto* run = find_execution(runs, e.attempt);
    switch (e.error.kind) {
      case error_kind::transient: // only a handler says so, and it journals
        ++figures.transient;
        REQUIRE(run != nullptr);
        CHECK(run->outcome == "transient");
        break;
      case error_kind::timeout: // the handler may not have run or finished
        ++figures.timeouts;
        CHECK(j.type == "slow");
        if (run != nullptr)
          CHECK(run->outcome != "transient");
        break;
      case error_kind::abandoned: ++figures.abandoned; break;
      case error_kind::permanent: FAIL("no handler fails permanently"); break;
    }
  }
}

/// The outcomes each journaled execution allows for its attempt's record.
bool recorded_as(const execution& run, error_kind kind) {
  if (kind == error_kind::abandoned) // the kill came before the result's commit
    return true;
  if (run.outcome == "transient")
    return kind == error_kind::transient;
  // Stopped at the timeout, or an ok the timeout overtook.
  return kind == error_kind::timeout;
}

/// Each attempt ran at most once, and what it returned is what the record
/// says of it. A success either completed the job (at its last attempt) or
/// never counted: a kill abandoned its attempt before the completion was
/// committed, or the timeout fired first. Two completions would show as a
/// success recorded at an attempt that is neither.
void check_executions(const job& j, const std::vector<execution>& runs,
                      final_figures& figures) {
  std::set<std::int32_t> seen;
  for (const auto& run : runs) {
    INFO("execution of attempt " << run.attempt << ": " << run.outcome);
    CHECK(seen.insert(run.attempt).second);
    REQUIRE(run.attempt >= 1);
    REQUIRE(run.attempt <= j.attempt);
    if (j.state == job_state::completed && run.attempt == j.attempt) {
      CHECK(run.outcome == "ok");
      continue;
    }
    auto kind = j.errors[static_cast<std::size_t>(run.attempt - 1)].error.kind;
    INFO("recorded as " << to_string(kind));
    CHECK(recorded_as(run, kind));
    if (run.outcome == "ok" && kind == error_kind::abandoned)
      ++figures.successes_lost_to_kills;
    else if (run.outcome == "ok")
      ++figures.successes_lost_to_timeouts;
  }
  if (j.state == job_state::completed)
    CHECK(seen.count(j.attempt) == 1);
}

void check_job(const job& j, const std::vector<execution>& runs,
               final_figures& figures) {
  INFO("job " << j.id << " (" << j.type << ") " << to_string(j.state)
              << " attempt " << j.attempt << " of " << j.max_attempts);
  REQUIRE((j.state == job_state::completed || j.state == job_state::dead));
  CHECK(j.max_attempts == max_attempts);
  CHECK(j.attempt >= 1);
  CHECK(j.attempt <= j.max_attempts);
  check_errors(j, runs, figures);
  check_executions(j, runs, figures);
  if (j.state == job_state::completed)
    ++figures.completed;
  else
    ++figures.dead;
}

/// Every key job-0.. is held by exactly one job, and every acknowledged
/// enqueue is that job.
void check_keys(const std::map<job_id, job>& jobs, const acks_journal& acks,
                std::size_t count) {
  std::map<std::string, job_id> holders;
  for (const auto& [id, j] : jobs) {
    INFO("job " << id);
    REQUIRE(j.unique_key);
    CHECK(holders.emplace(*j.unique_key, id).second); // never enqueued twice
  }
  CHECK(holders.size() == count);
  for (std::size_t n = 0; n < count; ++n)
    CHECK(holders.count(job_key(n)) == 1);
  std::string lines;
  for (const auto& line : acks.problems)
    lines += "\n  " + line;
  INFO("acks that should not exist: " << acks.problems.size() << lines);
  CHECK(acks.problems.empty());
  for (const auto& [key, id] : acks.ids) {
    INFO("acknowledged " << key << " as job " << id);
    auto j = jobs.find(id);
    REQUIRE(j != jobs.end());
    CHECK(j->second.unique_key == key);
    CHECK(is_terminal(j->second.state));
  }
}

std::set<attempt_key> abandoned_attempts(const std::map<job_id, job>& jobs) {
  std::set<attempt_key> abandoned;
  for (const auto& [id, j] : jobs)
    for (const auto& e : j.errors)
      if (e.error.kind == error_kind::abandoned)
        abandoned.emplace(id, e.attempt);
  return abandoned;
}

} // namespace

TEST_CASE("after many kill -9 and restarts no acknowledged job is lost or "
          "completed twice, and attempts never go down",
          "[crash]") {
  const crash_settings settings;
  const auto started = clock_type::now();
  std::optional<test::scratch_dir> scratch;
  std::string dir;
  if (const char* keep = std::getenv("JOBRT_CRASH_DIR")) {
    dir = keep;
  } else {
    scratch.emplace();
    dir = scratch->path().string();
  }
  const worker_files files{dir + "/jobs.sqlite", dir + "/journal",
                           dir + "/journal.acks", dir + "/worker.log"};
  std::cout << "crash test: seed " << settings.seed << " (JOBRT_CRASH_SEED), "
            << settings.jobs << " jobs, " << settings.kills << " kills, in "
            << dir << std::endl;

  std::mt19937_64 random{settings.seed};
  crash_figures figures;
  crash_run run{files, settings, random, figures, {}, {}};
  // A run that finishes before its kill does not count as one.
  for (std::size_t runs = 0;
       figures.kills < settings.kills && runs < settings.kills + 10; ++runs)
    run.kill_once();

  // The last run is not killed: it must finish everything on its own.
  auto pid = spawn_worker(files, settings);
  auto status = wait_until(pid, clock_type::now() + 60s);
  if (!status)
    status = kill_and_reap(pid);
  {
    INFO("worker log:\n" << tail(read_file(files.log)));
    REQUIRE(WIFEXITED(*status));
    REQUIRE(WEXITSTATUS(*status) == 0);
  }

  auto jobs = load_jobs(files.db);
  check_progress(run.last_snapshot, jobs);
  auto executions = parse_executions(read_file(files.journal));
  auto acks = parse_acks(read_file(files.acks));
  check_keys(jobs, acks, settings.jobs);
  final_figures totals;
  for (const auto& [id, j] : jobs)
    check_job(j, executions.by_job[id], totals);
  // Every attempt a kill interrupted is recorded as abandoned, and no other.
  CHECK(abandoned_attempts(jobs) == run.killed_attempts);
  CHECK(executions.malformed == 0);
  CHECK(figures.kills >= std::min<std::size_t>(settings.kills, 20));

  auto seconds = std::chrono::duration<double>(clock_type::now() - started);
  std::cout << "crash test: " << figures.kills << " kills (" << figures.timed_kills
            << " timed, " << figures.kills_after_result
            << " right after a handler's result, "
            << figures.kills_after_enqueue
            << " right after an enqueue ack), "
            << figures.kills_before_result_commit
            << " before that result's commit; "
            << figures.runs_finished_before_kill
            << " runs finished before their kill\n"
            << "crash test: " << executions.total << " executions, "
            << acks.ids.size() << " acknowledged enqueues, "
            << run.killed_attempts.size()
            << " attempts running at kills, " << totals.abandoned
            << " abandoned, " << totals.timeouts << " timeouts, "
            << totals.transient << " transient failures, "
            << totals.successes_lost_to_kills
            << " successes lost to a kill before their commit, "
            << totals.successes_lost_to_timeouts
            << " to a timeout\n"
            << "crash test: " << totals.completed << " completed, "
            << totals.dead << " dead, in " << seconds.count() << " s"
            << std::endl;
}
