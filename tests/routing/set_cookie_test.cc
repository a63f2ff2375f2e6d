#include <catch2/catch.hpp>

#include "routing/set_cookie.h"

using tether::routing::parseSetCookie;

TEST_CASE("set-cookie: name, value and attributes", "[routing]") {
  // Given a typical session cookie, expect its name and value and no deletion.
  auto c = parseSetCookie("JSESSIONID=abc123; Path=/; HttpOnly; Secure", 1000);
  REQUIRE(c);
  CHECK(c->name == "JSESSIONID");
  CHECK(c->value == "abc123");
  CHECK_FALSE(c->deletes);
  auto q = parseSetCookie(" SID = \"quoted\" ;Path=/", 1000);
  REQUIRE(q);
  CHECK(q->name == "SID");
  CHECK(q->value == "quoted");
}

TEST_CASE("set-cookie: logout forms delete the cookie", "[routing]") {
  // Given Max-Age=0, a negative Max-Age, or an Expires date before now, expect deletes; given a
  // future Expires or a positive Max-Age, expect none. Max-Age wins over Expires.
  const int64_t now = 1'800'000'000;  // 2027-01-15
  CHECK(parseSetCookie("JSESSIONID=; Max-Age=0; Path=/", now)->deletes);
  CHECK(parseSetCookie("JSESSIONID=x; max-age=-1", now)->deletes);
  CHECK(parseSetCookie("JSESSIONID=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT", now)->deletes);
  CHECK_FALSE(parseSetCookie("JSESSIONID=x; Expires=Fri, 01 Jan 2100 00:00:00 GMT", now)->deletes);
  CHECK_FALSE(parseSetCookie("JSESSIONID=x; Max-Age=3600", now)->deletes);
  CHECK_FALSE(
      parseSetCookie("JSESSIONID=x; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT", now)->deletes);
  CHECK_FALSE(parseSetCookie("JSESSIONID=x; Expires=not a date", now)->deletes);
}

TEST_CASE("set-cookie: malformed fields are ignored", "[routing]") {
  CHECK_FALSE(parseSetCookie("", 0));
  CHECK_FALSE(parseSetCookie("novalue", 0));
  CHECK_FALSE(parseSetCookie("=x; Path=/", 0));
  CHECK(parseSetCookie("a=; Max-Age=abc", 0));  // a bad attribute is ignored, not fatal
}
