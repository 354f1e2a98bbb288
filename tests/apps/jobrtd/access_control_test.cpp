// Bearer tokens and roles: 401 without a (known) token, 403 with too low a
// role; roles are levels; comparison in constant time.

#include "access_control.hpp"

#include <catch2/catch.hpp>

using namespace jobrtd;

TEST_CASE("roles are levels: admin may enqueue and read, enqueue may read") {
  access_policy p({{role::read, "reader-secret"},
                   {role::enqueue, "producer-secret"},
                   {role::admin, "admin-secret"}});
  CHECK(p.decide("Bearer reader-secret", role::read) == access_decision::allowed);
  CHECK(p.decide("Bearer reader-secret", role::enqueue) == access_decision::forbidden);
  CHECK(p.decide("Bearer producer-secret", role::read) == access_decision::allowed);
  CHECK(p.decide("Bearer producer-secret", role::admin) == access_decision::forbidden);
  CHECK(p.decide("Bearer admin-secret", role::admin) == access_decision::allowed);
  CHECK(p.decide("bearer admin-secret", role::admin) == access_decision::allowed);
}

TEST_CASE("a missing, malformed or unknown token is unauthenticated") {
  access_policy p({{role::admin, "admin-secret"}});
  CHECK(p.decide("", role::read) == access_decision::unauthenticated);
  CHECK(p.decide("Bearer ", role::read) == access_decision::unauthenticated);
  CHECK(p.decide("Basic YWRtaW46YWRtaW4=", role::read) ==
        access_decision::unauthenticated);
  CHECK(p.decide("Bearer admin-secre", role::read) == access_decision::unauthenticated);
  CHECK(p.decide("Bearer admin-secret2", role::read) ==
        access_decision::unauthenticated);
}

TEST_CASE("without tokens everything is allowed") {
  access_policy p({});
  CHECK(p.open());
  CHECK(p.decide("", role::admin) == access_decision::allowed);
  CHECK(p.role_for("") == role::admin);
}

TEST_CASE("the role of an Authorization header, for GET /whoami") {
  access_policy p({{role::read, "reader-secret"}, {role::admin, "admin-secret"}});
  CHECK(p.role_for("Bearer reader-secret") == role::read);
  CHECK(p.role_for("bearer admin-secret") == role::admin);
  CHECK_FALSE(p.role_for(""));
  CHECK_FALSE(p.role_for("Bearer "));
  CHECK_FALSE(p.role_for("Bearer nobody"));
  CHECK_FALSE(p.role_for("Basic YWRtaW46YWRtaW4="));
}

TEST_CASE("the same secret twice has its highest role") {
  access_policy p({{role::read, "shared-secret"}, {role::admin, "shared-secret"}});
  CHECK(p.role_of("shared-secret") == role::admin);
}

TEST_CASE("constant_time_equal compares contents and lengths") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", std::string_view("abc\0", 4)));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("", "a"));
}

TEST_CASE("role names") {
  for (auto r : {role::read, role::enqueue, role::admin})
    CHECK(parse_role(to_string(r)) == r);
  CHECK_FALSE(parse_role("root"));
}
