#pragma once

// jobrt-bench's argv from a list of flags, for the tests of its options.

#include "bench/options.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace bench_test {

/// bench::parse_options on "jobrt-bench" followed by `args`.
inline jobrt::result<bench::options, std::string>
parse(std::vector<std::string> args) {
  args.insert(args.begin(), "jobrt-bench");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  return bench::parse_options(static_cast<int>(argv.size()), argv.data());
}

/// Why `args` are refused; fails the test if they are not.
inline std::string refusal(std::vector<std::string> args) {
  auto parsed = parse(std::move(args));
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

} // namespace bench_test
