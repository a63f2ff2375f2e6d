#include <catch2/catch.hpp>

#include "proxy/http/http_head.h"

using namespace tether::proxy::http;

TEST_CASE("header pieces split across reads join into one field", "[proxy]") {
  // Given a name and a value each delivered in two pieces, expect one field with both joined.
  HttpHead h;
  h.appendMethod("GE");
  h.appendMethod("T");
  h.appendTarget("/a?b");
  h.appendTarget("=c");
  h.appendFieldName("X-Fo");
  h.appendFieldName("o");
  h.appendFieldValue("ba");
  h.appendFieldValue("r ");
  h.appendFieldName("Host");
  h.appendFieldValue("example");
  REQUIRE(h.fieldCount() == 2);
  CHECK(h.method() == "GET");
  CHECK(h.target() == "/a?b=c");
  CHECK(h.name(0) == "X-Foo");
  CHECK(h.value(0) == "bar");  // trailing OWS trimmed
  CHECK(h.get("x-foo") == std::optional<std::string_view>("bar"));
  CHECK(h.get("HOST") == std::optional<std::string_view>("example"));
  CHECK_FALSE(h.get("missing"));
  CHECK(h.count("host") == 1);
  h.clear();
  CHECK(h.fieldCount() == 0);
  CHECK(h.method().empty());
}

TEST_CASE("an empty header value is kept as empty", "[proxy]") {
  HttpHead h;
  h.appendFieldName("X-Empty");
  h.appendFieldName("");
  h.appendFieldName("X-Next");
  CHECK(h.fieldCount() == 1);  // a name piece right after a name piece continues the name
  h.clear();
  h.appendFieldName("A");
  h.appendFieldValue("");
  h.appendFieldName("B");
  h.appendFieldValue("2");
  REQUIRE(h.fieldCount() == 2);
  CHECK(h.value(0).empty());
  CHECK(h.value(1) == "2");
}

TEST_CASE("token lists are matched case-insensitively and by whole token", "[proxy]") {
  CHECK(listContainsToken("keep-alive, Upgrade", "upgrade"));
  CHECK(listContainsToken("close", "close"));
  CHECK_FALSE(listContainsToken("upgraded", "upgrade"));
  CHECK_FALSE(listContainsToken("", "close"));
  CHECK(listContainsToken(" ,  x-foo ,", "X-FOO"));
  CHECK(equalsIgnoreCase("Content-Length", "content-length"));
  CHECK_FALSE(equalsIgnoreCase("Content-Length", "content-lengt"));
}
