// Value checks (validate.h) without YAML: what each kind of value may look like, and that every
// refusal says why in words a person editing the file can act on.

#include <catch2/catch.hpp>

#include "config/validate.h"

namespace tether::config {
namespace {

using namespace std::chrono_literals;

TEST_CASE("parseDuration: accepts ms, s, m, h", "[config]") {
  // Given a number and each unit, expect the value in milliseconds.
  CHECK(*parseDuration("250ms").value == 250ms);
  CHECK(*parseDuration("10s").value == 10s);
  CHECK(*parseDuration("2m").value == 2min);
  CHECK(*parseDuration("1h").value == 1h);
  CHECK(*parseDuration("1ms").value == 1ms);
  CHECK(*parseDuration("8760h").value == kMaxDuration);
}

TEST_CASE("parseDuration: refuses everything else with a reason", "[config]") {
  // Given a missing or unknown unit, junk, signs, spaces or decimals, expect the usage hint.
  for (const char* bad : {"10x", "s", "", "-1s", "+1s", "1.5s", "10 s", " 10s", "10s ", "10S",
                          "10sec", "1h30m", "0x10s", "ms10"}) {
    INFO(bad);
    const auto r = parseDuration(bad);
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.error, Catch::Contains("invalid duration '" + std::string(bad) + "'") &&
                            Catch::Contains("(use e.g. 250ms, 10s, 2m, 1h)"));
  }
  // Given a bare number, expect the unit to be asked for (it is ambiguous, not wrong).
  CHECK_THAT(parseDuration("10").error, Catch::Contains("a unit is required"));
  // Given zero, expect "greater than 0".
  CHECK_THAT(parseDuration("0s").error, Catch::Contains("must be greater than 0"));
  CHECK_THAT(parseDuration("0ms").error, Catch::Contains("must be greater than 0"));
  // Given values beyond the maximum, including ones past uint64, expect "larger than the maximum".
  for (const char* big :
       {"8761h", "526000m", "99999999999999999999999ms", "18446744073709551615s"}) {
    INFO(big);
    CHECK_THAT(parseDuration(big).error, Catch::Contains("larger than the maximum of 8760h"));
  }
}

TEST_CASE("parseUnsigned: strict decimal within range", "[config]") {
  // Given in-range decimals, expect them; given the bounds, expect them accepted.
  CHECK(*parseUnsigned("1", 1, 1000).value == 1);
  CHECK(*parseUnsigned("1000", 1, 1000).value == 1000);
  CHECK(*parseUnsigned("007", 1, 1000).value == 7);
  CHECK(*parseUnsigned("18446744073709551615", 0, UINT64_MAX).value == UINT64_MAX);
  // Given non-decimal text, expect "invalid number" naming the range.
  for (const char* bad : {"12abc", "-5", "+5", " 5", "5 ", "1.0", "0x10", "1e3", "", "1_000"}) {
    INFO(bad);
    CHECK_THAT(parseUnsigned(bad, 1, 1000).error,
               Catch::Contains("invalid number '" + std::string(bad) + "'") &&
                   Catch::Contains("1..1000"));
  }
  // Given out-of-range decimals (including past uint64), expect "out of range".
  CHECK(parseUnsigned("0", 1, 1000).error == "0 is out of range (expected 1..1000)");
  CHECK(parseUnsigned("1001", 1, 1000).error == "1001 is out of range (expected 1..1000)");
  CHECK_THAT(parseUnsigned("18446744073709551616", 0, UINT64_MAX).error,
             Catch::Contains("out of range"));
}

TEST_CASE("parseBool: true and false only", "[config]") {
  // Given YAML 1.1 spellings (yes, on, True), expect refusal naming what was given.
  CHECK(*parseBool("true").value);
  CHECK_FALSE(*parseBool("false").value);
  for (const char* bad : {"yes", "no", "on", "off", "True", "1", "0", ""}) {
    INFO(bad);
    CHECK(parseBool(bad).error == "expected true or false, got '" + std::string(bad) + "'");
  }
}

TEST_CASE("parseSocketAddress: numeric IPv4 and bracketed IPv6", "[config]") {
  // Given valid addresses, expect the host without brackets and the port.
  auto v4 = parseSocketAddress("127.0.0.1:8080", false);
  REQUIRE(v4.ok());
  CHECK(v4.value->host == "127.0.0.1");
  CHECK(v4.value->port == 8080);
  auto v6 = parseSocketAddress("[::1]:443", false);
  REQUIRE(v6.ok());
  CHECK(v6.value->host == "::1");
  CHECK(v6.value->port == 443);
  CHECK(parseSocketAddress("0.0.0.0:65535", false).value->port == 65535);
  // Given a non-canonical IPv6 spelling, expect the canonical form (one identity per address).
  CHECK(parseSocketAddress("[0:0:0:0:0:0:0:1]:80", false).value->host == "::1");
  CHECK(parseSocketAddress("[2001:DB8::A]:80", false).value->host == "2001:db8::a");
  // Given port 0, expect it only where allowed (listeners).
  CHECK(parseSocketAddress("127.0.0.1:0", true).ok());
  CHECK_THAT(parseSocketAddress("127.0.0.1:0", false).error,
             Catch::Contains("port must be a number from 1 to 65535"));
  CHECK_THAT(parseSocketAddress("127.0.0.1:65536", true).error,
             Catch::Contains("port must be a number from 0 to 65535"));
}

TEST_CASE("parseSocketAddress: each mistake gets its own reason", "[config]") {
  // Given each kind of bad address, expect a message that says what is wrong with it.
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"localhost:80", "host names are not resolved; use a numeric IP address"},
      {"db.internal:5432", "host names are not resolved; use a numeric IP address"},
      {"127.0.0.1", "missing port"},
      {"[::1]", "missing port"},
      {"[::1]80", "missing port"},
      {"[::1:80", "missing ']'"},
      {"::1:80", "IPv6 addresses must be in brackets"},
      {":80", "missing host"},
      {"[]:80", "missing host"},
      {"300.1.1.1:80", "'300.1.1.1' is not a numeric IPv4 address"},
      {"[10.0.0.1]:80", "'10.0.0.1' is not a numeric IPv6 address"},
      {"127.0.0.1:http", "port must be a number"},
      {"127.0.0.1:", "port must be a number"},
      {"127.0.0.1:-1", "port must be a number"},
      {"127.0.0.1:99999999999999999999", "port must be a number"},
      {"", "missing port"},
  };
  for (const auto& [text, reason] : cases) {
    INFO(text);
    const auto r = parseSocketAddress(text, true);
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.error, Catch::Contains("invalid address '" + std::string(text) + "'") &&
                            Catch::Contains(reason));
  }
}

TEST_CASE("checkBackendName: printable, non-empty, bounded", "[config]") {
  // Given ordinary names, expect no complaint; given empty, spaced, control or overlong names,
  // expect a reason.
  CHECK_FALSE(checkBackendName("app1").has_value());
  CHECK_FALSE(checkBackendName("[::1]:80").has_value());
  CHECK_THAT(*checkBackendName(""), Catch::Contains("must not be empty"));
  CHECK_THAT(*checkBackendName("app 1"), Catch::Contains("without spaces"));
  CHECK_THAT(*checkBackendName("app\t1"), Catch::Contains("control characters"));
  CHECK_THAT(*checkBackendName("caf\xc3\xa9"), Catch::Contains("printable ASCII"));
  CHECK_THAT(*checkBackendName(std::string(256, 'a')), Catch::Contains("longer than 255"));
  CHECK_FALSE(checkBackendName(std::string(255, 'a')).has_value());
}

TEST_CASE("checkStrategy: every known strategy is available", "[config]") {
  // Given each known strategy, expect acceptance; given a typo, expect the list of what is valid.
  for (const char* name : {"round_robin", "ring", "maglev", "rendezvous", "jump", "multiprobe",
                           "random", "ip_hash_modulo"}) {
    INFO(name);
    CHECK_FALSE(checkStrategy(name).has_value());
  }
  CHECK(availableStrategies() == knownStrategies());
  CHECK(*checkStrategy("roundrobin") ==
        "unknown strategy 'roundrobin' (expected one of: round_robin, ring, maglev, rendezvous, "
        "jump, multiprobe, random, ip_hash_modulo)");
  CHECK(joinNames({"a", "b", "c"}) == "a, b, c");
  CHECK(joinNames({}).empty());
}

} // namespace
} // namespace tether::config
