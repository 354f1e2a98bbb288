// Error text is bounded before it is stored, so no failure, however it is
// worded, can make a record the store refuses (a multi-megabyte exception
// message used to wedge the commit pipeline).

#include "jobrt/messages/job_error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobrt;

TEST_CASE("bound_error leaves text within its bounds alone") {
  auto e = job_error::transient("busy", "try later");
  CHECK(bound_error(e) == e);
  auto at_bounds = job_error::permanent(std::string(max_error_code_bytes, 'c'),
                                        std::string(max_error_message_bytes, 'm'));
  CHECK(bound_error(at_bounds) == at_bounds);
}

TEST_CASE("bound_error cuts a long message and says how much it cut") {
  auto e = job_error::transient("exception", std::string(5'000'000, 'x'));
  e.retry_after = std::chrono::seconds(3);
  auto bounded = bound_error(e);
  CHECK(bounded.message.size() <= max_error_message_bytes);
  CHECK(bounded.message.rfind(std::string(100, 'x'), 0) == 0);
  auto kept = bounded.message.find("...");
  REQUIRE(kept != std::string::npos);
  CHECK(bounded.message.substr(kept) ==
        "... [" + std::to_string(5'000'000 - kept) + " bytes cut]");
  CHECK(bounded.kind == e.kind);
  CHECK(bounded.code == e.code);
  CHECK(bounded.retry_after == e.retry_after);
}

TEST_CASE("bound_error cuts a long code to its bound") {
  auto bounded = bound_error(job_error::transient(std::string(1000, 'c')));
  CHECK(bounded.code == std::string(max_error_code_bytes, 'c'));
}

TEST_CASE("utf8_prefix never splits a character") {
  // "é" is two bytes, "€" three: a cut inside either steps back before it.
  CHECK(utf8_prefix("ab\xC3\xA9", 3) == "ab");
  CHECK(utf8_prefix("ab\xC3\xA9", 4) == "ab\xC3\xA9");
  CHECK(utf8_prefix("a\xE2\x82\xAC", 2) == "a");
  CHECK(utf8_prefix("a\xE2\x82\xAC", 3) == "a");
  CHECK(utf8_prefix("a\xE2\x82\xAC", 4) == "a\xE2\x82\xAC");
  CHECK(utf8_prefix("abc", 0).empty());
  std::string euros;
  for (int i = 0; i < 3000; ++i)
    euros += "\xE2\x82\xAC";
  auto bounded = bound_error(job_error::transient("x", euros));
  CHECK(bounded.message.size() <= max_error_message_bytes);
  auto text = bounded.message.substr(0, bounded.message.find("..."));
  CHECK(text.size() % 3 == 0);
}
