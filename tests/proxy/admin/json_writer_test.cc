#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "proxy/admin/json_writer.h"

using namespace tether::proxy::admin;

namespace {

std::string str(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}

std::string num(double d) {
  JsonWriter w;
  w.value(d);
  return w.take();
}

} // namespace

TEST_CASE("json: nested objects and arrays are compact and comma-separated", "[proxy]") {
  // Given a nested document, expect exactly this text (no whitespace, no trailing commas).
  JsonWriter w;
  w.beginObject()
      .field("name", "tether")
      .key("backends")
      .beginArray()
      .beginObject()
      .field("name", "a")
      .field("ready", true)
      .field("weight", 3)
      .endObject()
      .beginObject()
      .field("name", "b")
      .field("ready", false)
      .key("drain")
      .null()
      .endObject()
      .endArray()
      .key("empty_object")
      .beginObject()
      .endObject()
      .key("empty_array")
      .beginArray()
      .endArray()
      .key("numbers")
      .beginArray()
      .value(int64_t{-1})
      .value(uint64_t{2})
      .value(2.5)
      .endArray()
      .endObject();
  CHECK(w.complete());
  CHECK(w.take() ==
        R"({"name":"tether","backends":[{"name":"a","ready":true,"weight":3},)"
        R"({"name":"b","ready":false,"drain":null}],"empty_object":{},"empty_array":[],)"
        R"("numbers":[-1,2,2.5]})");
  // Given the writer after take(), expect it empty and reusable.
  CHECK(w.str().empty());
  w.beginArray().endArray();
  CHECK(w.take() == "[]");
}

TEST_CASE("json: strings escape quotes, backslashes and every control character", "[proxy]") {
  CHECK(str("plain") == R"("plain")");
  CHECK(str("") == R"("")");
  CHECK(str("a\"b\\c/d") == R"("a\"b\\c/d")");
  CHECK(str("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  // Given the other C0 controls and NUL, expect \u00XX with lowercase hex.
  CHECK(str(std::string_view("\0\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(str("\x7f") == "\"\x7f\"");  // DEL is legal JSON as is
  // Keys are escaped the same way.
  JsonWriter w;
  w.beginObject().field("k\"\n", "v").endObject();
  CHECK(w.take() == R"({"k\"\n":"v"})");
}

TEST_CASE("json: valid UTF-8 passes through, invalid bytes become U+FFFD", "[proxy]") {
  // Given 2-, 3- and 4-byte sequences, expect them untouched.
  const std::string utf8 = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  CHECK(str(utf8) == "\"" + utf8 + "\"");
  // Given a lone continuation byte, a truncated sequence, an overlong form, a surrogate and a
  // code point above U+10FFFF, expect one replacement per offending byte and the rest intact.
  CHECK(str("a\x80z") == R"("a\ufffdz")");
  CHECK(str("a\xc3") == R"("a\ufffd")");
  CHECK(str("\xc0\xaf") == R"("\ufffd\ufffd")");
  CHECK(str("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");
  CHECK(str("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");
  CHECK(str("\xe2\x82") == R"("\ufffd\ufffd")");
}

TEST_CASE("json: integers are exact at their limits", "[proxy]") {
  JsonWriter w;
  w.beginArray()
      .value(std::numeric_limits<int64_t>::min())
      .value(std::numeric_limits<int64_t>::max())
      .value(std::numeric_limits<uint64_t>::max())
      .value(0)
      .value(-7)
      .value(size_t{42})
      .value(uint32_t{7})
      .endArray();
  CHECK(w.take() == "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-7,42,7]");
}

TEST_CASE("json: doubles round-trip, integral ones without exponent, non-finite as null",
          "[proxy]") {
  CHECK(num(0.0) == "0");
  CHECK(num(-0.0) == "-0");
  CHECK(num(1.0) == "1");
  CHECK(num(1e6) == "1000000");
  CHECK(num(1e20) == "100000000000000000000");
  CHECK(num(0.1) == "0.1");
  CHECK(num(-2.5) == "-2.5");
  CHECK(num(1.0 / 3.0) == "0.3333333333333333");
  CHECK(num(1e-7) == "1e-07");
  CHECK(num(1e21) == "1e+21");
  CHECK(num(std::numeric_limits<double>::quiet_NaN()) == "null");
  CHECK(num(std::numeric_limits<double>::infinity()) == "null");
  CHECK(num(-std::numeric_limits<double>::infinity()) == "null");
  // Given awkward doubles, expect the text to parse back to the same bits.
  for (double d : {0.1 + 0.2, 123456.789e-300, std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::denorm_min(), 9007199254740993.0, 4.35}) {
    const std::string s = num(d);
    INFO(s);
    CHECK(std::strtod(s.c_str(), nullptr) == d);
  }
}

TEST_CASE("json: jsonError is {\"error\": message} with escaping", "[proxy]") {
  CHECK(jsonError("not found") == R"({"error":"not found"})");
  CHECK(jsonError("bad \"x\"\n") == R"({"error":"bad \"x\"\n"})");
}
