#pragma once

// `promtool check metrics` on an exposition, where Debian's prometheus is
// installed (JOBRTD_PROMTOOL is its path); a warning elsewhere.

#include "persistence/scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

namespace jobrtd::test {

inline void check_with_promtool(const std::string& exposition) {
#ifdef JOBRTD_PROMTOOL
  jobrt::test::scratch_dir dir;
  auto path = dir.file("metrics.txt");
  std::ofstream(path) << exposition;
  auto command = std::string(JOBRTD_PROMTOOL) + " check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[512];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe))
    out.append(buffer, n);
  INFO(out);
  CHECK(pclose(pipe) == 0);
#else
  (void)exposition;
  WARN("promtool is not installed: the exposition is not checked by it");
#endif
}

} // namespace jobrtd::test
