// The numbers of every jobrt command line (apps/cli/decimal_arg.hpp): what
// is accepted, and that everything strtoull, std::atof or CLI11 read as a
// C literal (octal, hex, a sign, an exponent, "inf") or clamped is refused
// with a message in words.

#include "cli/decimal_arg.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

using jobrt::cli::decimal_range;
using jobrt::cli::parse_decimal_arg;
using jobrt::cli::parse_seconds_arg;
using code_type = jobrt::cli::decimal_arg_error::code_type;
using namespace std::chrono_literals;

namespace {

constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr auto i64_max =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr decimal_range ids{1, i64_max};

code_type refusal(const std::string& text, decimal_range range = {}) {
  auto parsed = parse_decimal_arg("n", text, range);
  INFO("'" << text << "'");
  REQUIRE_FALSE(parsed);
  return parsed.error().code;
}

code_type seconds_refusal(const std::string& text) {
  auto parsed = parse_seconds_arg("--crash-after", text, {0, 3'600'000});
  INFO("'" << text << "'");
  REQUIRE_FALSE(parsed);
  return parsed.error().code;
}

} // namespace

TEST_CASE("decimal digits are a number, and leading zeros are still decimal") {
  CHECK(parse_decimal_arg("n", "0").value() == 0);
  CHECK(parse_decimal_arg("n", "42").value() == 42);
  CHECK(parse_decimal_arg("id", "010", ids).value() == 10); // not octal 8
  CHECK(parse_decimal_arg("id", "9223372036854775807", ids).value() == i64_max);
  CHECK(parse_decimal_arg("n", "18446744073709551615").value() == u64_max);
}

TEST_CASE("C literals, signs, spaces and trailing text are refused") {
  for (const char* text : {"", "0x10", "0X10", "0b1", "0o7", "+5", "-5", "-0",
                           " 5", "5 ", "5\n", "1e3", "1.5", "1,000", "1_000",
                           "5abc", "abc", "inf", "nan", "٣"})
    CHECK(refusal(text) == code_type::malformed);
}

TEST_CASE("a number outside the range is refused, never clamped") {
  CHECK(refusal("0", ids) == code_type::out_of_range);
  CHECK(refusal("9223372036854775808", ids) == code_type::out_of_range);
  CHECK(refusal("18446744073709551616") == code_type::out_of_range);
  CHECK(refusal("99999999999999999999999999") == code_type::out_of_range);
  CHECK(refusal("1001", {1, 1000}) == code_type::out_of_range);
  CHECK(parse_decimal_arg("n", "1000", {1, 1000}).value() == 1000);
}

TEST_CASE("the message says in words what the argument must be") {
  CHECK(parse_decimal_arg("id", "abc", ids).error().message ==
        "id must be a positive decimal number, not 'abc'");
  CHECK(parse_decimal_arg("id", "0", ids).error().message ==
        "id must be a positive decimal number, not '0'");
  CHECK(parse_decimal_arg("id", "99999999999999999999", ids).error().message ==
        "id must be between 1 and 9223372036854775807, not "
        "'99999999999999999999'");
  CHECK(parse_decimal_arg("--after", "-1", {0, i64_max}).error().message ==
        "--after must be a decimal number (digits only), not '-1'");
  CHECK(parse_decimal_arg("--limit", "5000", {1, 1000}).error().message ==
        "--limit must be between 1 and 1000, not '5000'");
}

TEST_CASE("seconds take up to three decimals and nothing else") {
  auto seconds = [](const char* text) {
    return parse_seconds_arg("--crash-after", text, {0, 3'600'000}).value();
  };
  CHECK(seconds("0") == 0ms);
  CHECK(seconds("3") == 3s);
  CHECK(seconds("2.5") == 2500ms);
  CHECK(seconds("0.125") == 125ms);
  CHECK(seconds("03.10") == 3100ms);
  CHECK(seconds("3600") == 3600s);
  for (const char* text : {"", ".5", "5.", "1e3", "1E3", "0x10", "0x1p3",
                           "inf", "nan", "-1", "+1", "1,5", " 1", "1 ", "1s",
                           "0.0005", "2.5abc", "1..5"})
    CHECK(seconds_refusal(text) == code_type::malformed);
  CHECK(seconds_refusal("3600.001") == code_type::out_of_range);
  CHECK(seconds_refusal("99999999999999999999") == code_type::out_of_range);
  CHECK(seconds_refusal("18446744073709551.999") == code_type::out_of_range);
  CHECK(parse_seconds_arg("--crash-after", "inf", {0, 3'600'000})
            .error()
            .message ==
        "--crash-after must be a number of seconds (digits, with at most "
        "three decimals: 30, 2.5, 0.125), not 'inf'");
  CHECK(parse_seconds_arg("--crash-after", "7200", {500, 3'600'000})
            .error()
            .message ==
        "--crash-after must be between 0.5 and 3600 seconds, not '7200'");
}

TEST_CASE("the largest seconds the range allows still fit milliseconds") {
  auto parsed = parse_seconds_arg("t", "9223372036854775.807", {});
  REQUIRE(parsed);
  CHECK(parsed.value().count() == std::numeric_limits<std::int64_t>::max());
  CHECK_FALSE(parse_seconds_arg("t", "9223372036854775.808", {}));
}
