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

TEST_CASE("parseStrategyName: every strategy by its name", "[config]") {
  // Given each strategy name, expect its kind; given a typo, expect the list of what is valid.
  for (const char* name : {"round_robin", "ring", "maglev", "rendezvous", "jump", "multiprobe",
                           "random", "ip_hash_modulo"}) {
    INFO(name);
    const auto r = parseStrategyName(name);
    REQUIRE(r.ok());
    CHECK(routing::strategyName(*r.value) == name);
  }
  CHECK(parseStrategyName("roundrobin").error ==
        "unknown strategy 'roundrobin' (expected one of: round_robin, ring, maglev, rendezvous, "
        "jump, multiprobe, random, ip_hash_modulo)");
  const std::vector<std::string_view> abc = {"a", "b", "c"};
  CHECK(joinNames(abc) == "a, b, c");
  CHECK(joinNames({}).empty());
}

TEST_CASE("parseDurationOrZero: zero in any unit, else parseDuration", "[config]") {
  // Given zero with or without a unit, expect 0; given a duration, expect it as parseDuration.
  for (const char* zero : {"0", "0ms", "0s", "0m", "0h"}) {
    INFO(zero);
    CHECK(*parseDurationOrZero(zero).value == 0ms);
  }
  CHECK(*parseDurationOrZero("30s").value == 30s);
  // Given junk, expect parseDuration's reason plus the hint that 0s is allowed.
  for (const char* bad : {"", "00s", "0x", "10", "-0s", "0 s"}) {
    INFO(bad);
    const auto r = parseDurationOrZero(bad);
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.error, Catch::Contains("invalid duration '" + std::string(bad) + "'") &&
                            Catch::EndsWith("; or 0s for none"));
  }
}

TEST_CASE("parseStatusRange: one code or a range within 100..599", "[config]") {
  // Given a code, expect min == max; given a range, expect both ends.
  auto r = parseStatusRange("200");
  REQUIRE(r.ok());
  CHECK(r.value->min == 200);
  CHECK(r.value->max == 200);
  r = parseStatusRange("100-599");
  REQUIRE(r.ok());
  CHECK(r.value->min == 100);
  CHECK(r.value->max == 599);
  CHECK(parseStatusRange("204-204").ok());
  // Given junk, expect "invalid status" and the usage hint.
  for (const char* bad : {"", "-", "2xx", "200-", "-200", "200-300-400", " 200", "200 - 300",
                          "+200", "200.0", "200,204"}) {
    INFO(bad);
    CHECK(parseStatusRange(bad).error ==
          "invalid status '" + std::string(bad) + "' (expected a status code such as 200 or a "
          "range such as 200-399, codes 100..599)");
  }
  // Given codes outside 100..599, expect the code named.
  CHECK_THAT(parseStatusRange("99").error, Catch::Contains("99 is not an HTTP status code"));
  CHECK_THAT(parseStatusRange("200-600").error, Catch::Contains("600 is not an HTTP status code"));
  CHECK_THAT(parseStatusRange("99999999999999999999999").error,
             Catch::Contains("invalid status"));
  // Given a reversed range, expect the order explained.
  CHECK_THAT(parseStatusRange("399-200").error,
             Catch::StartsWith("invalid status range '399-200': the first code must not be above "
                               "the second"));
}

TEST_CASE("parseJitterPercent: N% or N, 0..50", "[config]") {
  CHECK(*parseJitterPercent("10%").value == 10);
  CHECK(*parseJitterPercent("10").value == 10);
  CHECK(*parseJitterPercent("0%").value == 0);
  CHECK(*parseJitterPercent("50%").value == 50);
  CHECK(parseJitterPercent("51%").error ==
        "jitter '51%' is out of range (expected 0%..50%; more would let probes bunch up rather "
        "than spread out)");
  CHECK_THAT(parseJitterPercent("99999999999999999999999%").error, Catch::Contains("invalid"));
  for (const char* bad : {"", "%", "10%%", "10 %", "%10", "-5%", "1.5%", "ten"}) {
    INFO(bad);
    CHECK(parseJitterPercent(bad).error == "invalid jitter '" + std::string(bad) +
                                               "' (expected a percentage such as 10%, in "
                                               "0%..50%)");
  }
}

TEST_CASE("checkProbePath and checkProbeHost: safe in a request line and a header", "[config]") {
  for (const char* ok : {"/", "/health", "/healthz?full=1&x=%20"}) {
    INFO(ok);
    CHECK_FALSE(checkProbePath(ok).has_value());
  }
  CHECK(*checkProbePath("health") == "probe path 'health' must start with '/'");
  CHECK(*checkProbePath("") == "probe path '' must start with '/'");
  for (const char* bad : {"/a b", "/a\r\nX: y", "/a\tb", "/caf\xc3\xa9", "/a\x7f"}) {
    INFO(bad);
    CHECK_THAT(*checkProbePath(bad),
               Catch::EndsWith("must be printable ASCII without spaces or control characters "
                               "(percent-encode them)"));
  }
  for (const char* ok : {"example.internal", "10.0.0.1:8080", "[::1]:80"}) {
    INFO(ok);
    CHECK_FALSE(checkProbeHost(ok).has_value());
  }
  CHECK_THAT(*checkProbeHost(""), Catch::StartsWith("probe Host must not be empty"));
  for (const char* bad : {"a b", "a\r\nX: y", "caf\xc3\xa9"}) {
    INFO(bad);
    CHECK_THAT(*checkProbeHost(bad),
               Catch::EndsWith("must be printable ASCII without spaces or control characters"));
  }
}

TEST_CASE("checkAdminToken: 16+ printable bytes, never echoed", "[config]") {
  CHECK_FALSE(checkAdminToken("0123456789abcdef").has_value());
  CHECK_FALSE(checkAdminToken("!#$%&'()*+,-./:;<=>?@[]^_`{|}~09").has_value());
  CHECK(*checkAdminToken("0123456789abcde") ==
        "the token must be at least 16 bytes long (got 15)");
  CHECK(*checkAdminToken("") == "the token must be at least 16 bytes long (got 0)");
  for (const char* bad : {"0123456789 abcdef", "0123456789abcdef\n", "0123456789abcd\xc3\xa9"}) {
    INFO(bad);
    const auto why = checkAdminToken(bad);
    REQUIRE(why.has_value());
    CHECK_THAT(*why, Catch::StartsWith("the token must be printable ASCII") &&
                         !Catch::Contains("0123456789"));
  }
}

TEST_CASE("isLoopbackHost: 127.0.0.0/8 and ::1 only", "[config]") {
  for (const char* yes : {"127.0.0.1", "127.255.255.254", "127.0.0.0", "::1"}) {
    INFO(yes);
    CHECK(isLoopbackHost(yes));
  }
  for (const char* no : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "::ffff:127.0.0.1", "::2",
                         "localhost", ""}) {
    INFO(no);
    CHECK_FALSE(isLoopbackHost(no));
  }
}

TEST_CASE("addressesOverlap: same socket, or a wildcard covering it", "[config]") {
  const auto addr = [](const char* host, uint16_t port) { return SocketAddress{host, port}; };
  CHECK(addressesOverlap(addr("127.0.0.1", 80), addr("127.0.0.1", 80)));
  CHECK(addressesOverlap(addr("::1", 80), addr("::1", 80)));
  CHECK(addressesOverlap(addr("0.0.0.0", 80), addr("127.0.0.1", 80)));
  CHECK(addressesOverlap(addr("127.0.0.1", 80), addr("0.0.0.0", 80)));
  CHECK(addressesOverlap(addr("::", 80), addr("127.0.0.1", 80)));
  CHECK(addressesOverlap(addr("::1", 80), addr("::", 80)));
  CHECK(addressesOverlap(addr("0.0.0.0", 80), addr("::", 80)));
  // Different ports, different hosts, the other family's wildcard, or port 0: no overlap.
  CHECK_FALSE(addressesOverlap(addr("127.0.0.1", 80), addr("127.0.0.1", 81)));
  CHECK_FALSE(addressesOverlap(addr("127.0.0.1", 80), addr("127.0.0.2", 80)));
  CHECK_FALSE(addressesOverlap(addr("0.0.0.0", 80), addr("::1", 80)));
  CHECK_FALSE(addressesOverlap(addr("127.0.0.1", 0), addr("127.0.0.1", 0)));
  CHECK_FALSE(addressesOverlap(addr("0.0.0.0", 0), addr("127.0.0.1", 0)));
}

} // namespace
} // namespace tether::config
