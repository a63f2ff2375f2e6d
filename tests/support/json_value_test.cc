// Tests of the tests' JSON reader. The admin API checks read tether's answers through it, so a
// lenient reader would let malformed JSON from tether pass.
#include "tests/support/json_value.h"

#include <catch2/catch.hpp>

namespace tether::test {
namespace {

TEST_CASE("Json reads values, nesting and escapes", "[support][json]") {
  // Given one document with every kind of value, expect each read back with its type.
  auto j = Json::parse(R"( {"version":3,"ok":true,"x":null,"s":"a\"b\u00e9\ud83d\ude00",
                             "list":[1,-2.5e1,{"k":[]}]} )");
  REQUIRE(j);
  CHECK(j->isObject());
  CHECK((*j)["version"].number() == 3);
  CHECK((*j)["version"].asNumber() == 3);
  CHECK((*j)["ok"].boolean());
  CHECK((*j)["x"].isNull());
  CHECK((*j)["s"].str() == "a\"b\xC3\xA9\xF0\x9F\x98\x80");
  const Json& list = (*j)["list"];
  REQUIRE(list.size() == 3);
  CHECK(list[1].number() == -25);
  CHECK(list[2]["k"].isArray());
  CHECK(list[2]["k"].items().empty());
  CHECK(j->members().size() == 5);
}

TEST_CASE("Json lookups of what is missing give null, never throw", "[support][json]") {
  auto j = Json::parse(R"({"a":{"b":[1]},"s":"x"})");
  REQUIRE(j);
  CHECK(j->has("a"));
  CHECK_FALSE(j->has("missing"));
  CHECK((*j)["missing"].isNull());
  CHECK((*j)["a"]["b"][7]["c"].isNull());
  CHECK_FALSE((*j)["missing"].asNumber());
  CHECK_FALSE((*j)["s"].asNumber());
  CHECK((*j)["missing"].number() == 0);
  CHECK((*j)["missing"].str().empty());
  CHECK_FALSE((*j)["s"]["x"].has("x"));
}

TEST_CASE("Json rejects malformed input with the offset of the fault", "[support][json]") {
  // Given each malformed document, expect nullopt and an error message.
  for (const char* bad :
       {"", " ", "{", "{\"a\":}", "[1,]", "{\"a\":1,}", "{\"a\":1}x", "\"\x01\"", "01", "01x",
        "-", "1.", "1e", "tru", "nul", "'a'", "{a:1}", "{\"a\":1,\"a\":2}", "\"\\ud800\"",
        "\"\\udc00\"", "\"\\x\"", "\"abc"}) {
    INFO("input: " << bad);
    std::string error;
    CHECK_FALSE(Json::parse(bad, &error));
    CHECK(error.rfind("offset ", 0) == 0);
  }
  // Nesting is bounded (64 levels below the top), so hostile input cannot exhaust the stack.
  CHECK_FALSE(Json::parse(std::string(100, '[') + std::string(100, ']')));
  CHECK(Json::parse(std::string(64, '[') + std::string(64, ']')));
}

} // namespace
} // namespace tether::test
