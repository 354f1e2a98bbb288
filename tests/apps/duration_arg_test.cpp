// The --older-than argument: what it accepts and the typed reason it refuses.

#include "duration_arg.hpp"

#include <catch2/catch.hpp>

#include <string>

using jobctl::duration_arg_error;
using jobctl::parse_duration_arg;
using code_type = duration_arg_error::code_type;
using namespace std::chrono_literals;

namespace {

code_type refusal(const std::string& text) {
  auto parsed = parse_duration_arg(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().text == text);
  return parsed.error().code;
}

} // namespace

TEST_CASE("a whole number and one unit is a duration") {
  CHECK(parse_duration_arg("0s").value() == 0ms);
  CHECK(parse_duration_arg("30s").value() == 30s);
  CHECK(parse_duration_arg("15m").value() == 15min);
  CHECK(parse_duration_arg("12h").value() == 12h);
  CHECK(parse_duration_arg("7d").value() == std::chrono::hours(24 * 7));
}

TEST_CASE("anything else is refused with the reason") {
  for (const char* text : {"", "s", "7", "-7d", "+7d", "1.5h", " 7d", "7 d",
                           "1h30m", "d7"})
    CHECK(refusal(text) == code_type::malformed);
  CHECK(refusal("7w") == code_type::unknown_unit);
  CHECK(refusal("7D") == code_type::unknown_unit);
  CHECK(refusal("106751991168d") == code_type::too_large);
  CHECK(refusal("99999999999999999999s") == code_type::too_large);
  CHECK(parse_duration_arg("106751991167d"));
  CHECK(parse_duration_arg("7w").error().message() ==
        "'7w' has an unknown unit (use s, m, h or d)");
}
