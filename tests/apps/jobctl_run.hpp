#pragma once

// The built jobctl binary (JOBCTL_PATH) run from a test, as an operator's
// shell runs it: its stdout and stderr captured apart, and its exit code.
// Shared by the tests on files at rest (jobctl_test.cpp) and beside a
// running runtime (jobctl_live_test.cpp).

#include "persistence/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace jobrt::test {

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// `s` as one word for the shell (the tests' paths hold no quote).
inline std::string shell_word(const std::string& s) { return "'" + s + "'"; }

/// The --db option for `path`.
inline std::string db(const std::string& path) {
  return "--db " + shell_word(path);
}

/// Runs `jobctl <args>`; its stderr goes through a file in `dir`.
inline run_result run_jobctl(const scratch_dir& dir, const std::string& args) {
  auto err_path = dir.file("stderr.txt");
  auto command =
      shell_word(JOBCTL_PATH) + " " + args + " 2>" + shell_word(err_path);
  run_result r;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    r.out.append(buffer, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(err),
               std::istreambuf_iterator<char>());
  return r;
}

/// The JSON a successful run printed; fails the test (showing both
/// streams) if it failed or printed something else.
inline nlohmann::json parse_output(const run_result& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

} // namespace jobrt::test
