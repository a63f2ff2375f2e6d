// The `routing:` section: the documented example parses to the RoutingConfig it describes,
// absent keys keep their defaults, and every mistake — shape, value or cross-field — is reported
// at its exact line and column.

#include <catch2/catch.hpp>

#include "config/config_loader.h"
#include "tests/config/config_test_util.h"
#include "config/validate.h"

namespace tether::config {
namespace {

using namespace std::chrono_literals;
using namespace tether::config::test;

const std::string kBackends = "backends: [{name: app1, address: 127.0.0.1:9001}]\n";
const std::string kSecret = "\"0123456789abcdef\"";  // exactly 16 bytes

const char* const kFullRouting =
    "backends:\n"
    "  - { name: app1, address: 127.0.0.1:9001 }\n"
    "  - { name: app2, address: 127.0.0.1:9002 }\n"
    "  - { name: app4, address: 127.0.0.1:9004 }\n"
    "routing:\n"
    "  strategy: ring\n"
    "  key:\n"
    "    - cookie: JSESSIONID\n"
    "    - header: X-Session-Id\n"
    "    - query: sid\n"
    "    - source_ip: { trusted_proxies: [10.0.0.0/8] }\n"
    "  on_missing_key: assign\n"
    "  hash_seed: 18446744073709551615\n"
    "  balance_factor: 1.25\n"
    "  load_metric: requests\n"
    "  ring: { points_per_weight: 160 }\n"
    "  maglev: { table_size: 65537 }\n"
    "  multiprobe: { probes: 21 }\n"
    "  jump: { slots: [app1, app2, ~, app4] }\n"
    "  affinity_cookie:\n"
    "    name: tether_affinity\n"
    "    ttl: 24h\n"
    "    idle_ttl: 30m\n"
    "    path: /\n"
    "    domain: example.com\n"
    "    secure: true\n"
    "    http_only: true\n"
    "    same_site: None\n"
    "    attributes: [Partitioned]\n"
    "    secrets: [ \"at least 16 bytes long secret\", \"an older secret, verify only\" ]\n"
    "  stick_table:\n"
    "    size: 1000000\n"
    "    idle_ttl: 30m\n"
    "    persist: /var/lib/tether/stick.table\n"
    "  learn_cookie: JSESSIONID\n";

TEST_CASE("routing: the full documented section", "[config]") {
  // Given every routing key, expect each value where the example puts it.
  const RoutingConfig r = loadOk(kFullRouting).routing;
  CHECK(r.strategy == routing::StrategyKind::Ring);
  REQUIRE(r.key.size() == 4);
  CHECK(r.key[0].kind == KeySourceConfig::Kind::Cookie);
  CHECK(r.key[0].name == "JSESSIONID");
  CHECK(r.key[1].kind == KeySourceConfig::Kind::Header);
  CHECK(r.key[1].name == "X-Session-Id");
  CHECK(r.key[2].kind == KeySourceConfig::Kind::Query);
  CHECK(r.key[2].name == "sid");
  CHECK(r.key[3].kind == KeySourceConfig::Kind::SourceIp);
  CHECK(r.key[3].name.empty());
  REQUIRE(r.key[3].trusted_proxies.size() == 1);
  CHECK(r.key[3].trusted_proxies[0].contains(*routing::IpAddress::parse("10.1.2.3")));
  CHECK(r.on_missing_key == RoutingConfig::OnMissingKey::Assign);
  CHECK(r.hash_seed == UINT64_MAX);
  CHECK(r.balance_factor == 1.25);
  CHECK(r.load_metric == RoutingConfig::LoadMetric::Requests);
  CHECK(r.ring_points_per_weight == 160);
  CHECK(r.maglev_table_size == 65537);
  CHECK(r.multiprobe_probes == 21);
  CHECK(r.jump_slots == std::vector<std::string>{"app1", "app2", "", "app4"});
  const AffinityCookieConfig& a = r.affinity_cookie;
  CHECK(a.enabled);
  CHECK(a.name == "tether_affinity");
  CHECK(a.ttl == 24h);
  CHECK(a.idle_ttl == 30min);
  CHECK(a.path == "/");
  CHECK(a.domain == "example.com");
  CHECK(a.secure);
  CHECK(a.http_only);
  CHECK(a.same_site == "None");
  CHECK(a.attributes == std::vector<std::string>{"Partitioned"});
  CHECK(a.secrets ==
        std::vector<std::string>{"at least 16 bytes long secret", "an older secret, verify only"});
  CHECK(r.stick_table.enabled);
  CHECK(r.stick_table.size == 1000000);
  CHECK(r.stick_table.idle_ttl == 30min);
  CHECK(r.stick_table.persist == "/var/lib/tether/stick.table");
  CHECK(r.learn_cookie == "JSESSIONID");
}

TEST_CASE("routing: defaults", "[config]") {
  // Given no routing section, expect the documented defaults and every feature off.
  const RoutingConfig r = loadOk(kBackends).routing;
  CHECK(r.strategy == routing::StrategyKind::RoundRobin);
  CHECK(r.key.empty());
  CHECK(r.on_missing_key == RoutingConfig::OnMissingKey::Assign);
  CHECK(r.hash_seed == 0);
  CHECK(r.balance_factor == 0);
  CHECK(r.load_metric == RoutingConfig::LoadMetric::Sessions);
  CHECK(r.ring_points_per_weight == 160);
  CHECK(r.maglev_table_size == 65537);
  CHECK(r.multiprobe_probes == 21);
  CHECK(r.jump_slots.empty());
  CHECK_FALSE(r.affinity_cookie.enabled);
  CHECK_FALSE(r.stick_table.enabled);
  CHECK(r.learn_cookie.empty());
  // Given the presence-enabled sections with nothing in them, expect them on with defaults.
  const RoutingConfig on =
      loadOk(kBackends + "routing:\n  stick_table:\n  key: [{cookie: a}, {source_ip: }]\n").routing;
  CHECK(on.stick_table.enabled);
  CHECK(on.stick_table.size == 1000000);
  CHECK(on.stick_table.idle_ttl == 30min);
  CHECK(on.stick_table.persist.empty());
  REQUIRE(on.key.size() == 2);
  CHECK(on.key[1].kind == KeySourceConfig::Kind::SourceIp);
  CHECK(on.key[1].trusted_proxies.empty());
  const RoutingConfig cookie =
      loadOk(kBackends + "routing:\n  affinity_cookie: { secrets: [" + kSecret + "] }\n").routing;
  CHECK(cookie.affinity_cookie.enabled);
  CHECK(cookie.affinity_cookie.name == "tether_affinity");
  CHECK(cookie.affinity_cookie.ttl == 24h);
  CHECK(cookie.affinity_cookie.idle_ttl == 0ms);
  CHECK(cookie.affinity_cookie.same_site == "Lax");
  CHECK(cookie.affinity_cookie.http_only);
  CHECK_FALSE(cookie.affinity_cookie.secure);
}

TEST_CASE("routing: every strategy is accepted", "[config]") {
  // Given each strategy name, expect the kind of that name.
  for (auto name : routing::strategyNames()) {
    INFO(name);
    CHECK(routing::strategyName(
              loadOk(kBackends + "routing: { strategy: " + std::string(name) + " }\n")
                  .routing.strategy) == name);
  }
  expectOnly(kBackends + "routing:\n  strategy: fastest\n", 3, 13,
             "routing.strategy: unknown strategy 'fastest' (expected one of: round_robin, ring, "
             "maglev, rendezvous, jump, multiprobe, random, ip_hash_modulo)");
}

TEST_CASE("routing errors: key list shapes", "[config]") {
  const std::string r = kBackends + "routing:\n  key:\n";  // items start on line 4
  // Given a map instead of a list, expect the list form shown.
  expectOnly(kBackends + "routing:\n  key: {cookie: a}\n", 3, 8,
             "routing.key: expected a list of key sources");
  // Given an item with no source, expect it named.
  expectOnly(r + "    - {}\n", 4, 7,
             "routing.key[0]: expected one source (cookie, header, query, source_ip), got an "
             "empty map");
  // Given two sources in one item, expect the error at the second.
  expectOnly(r + "    - cookie: a\n      header: b\n", 5, 7,
             "routing.key[0]: one source per list item, but 'header' follows 'cookie'");
  // Given an unknown kind, expect the valid kinds listed at the key.
  expectOnly(r + "    - cookie: a\n    - cookies: b\n", 5, 7,
             "unknown key 'cookies' in routing.key[1] (expected one of: cookie, header, query, "
             "source_ip)");
  // Given a bare scalar, expect the map form (and the source_ip hint for that name).
  expectOnly(r + "    - JSESSIONID\n", 4, 7,
             "routing.key[0]: expected a one-key map such as 'cookie: JSESSIONID', got "
             "'JSESSIONID'");
  expectOnly(r + "    - source_ip\n", 4, 7, "(write 'source_ip: {}')");
  // Given a duplicate source, expect it refused at the second item.
  expectOnly(r + "    - cookie: a\n    - header: a\n    - cookie: a\n", 6, 7,
             "routing.key[2]: duplicate key source 'cookie: a' (same as routing.key[0])");
  expectOnly(r + "    - source_ip: {}\n    - source_ip: {trusted_proxies: [10.0.0.0/8]}\n", 5, 7,
             "duplicate key source 'source_ip'");
  // Given more than 16 sources, expect the limit.
  std::string many = r;
  for (int i = 0; i < 17; ++i) many += "    - header: h" + std::to_string(i) + "\n";
  expectOnly(many, 4, 5, "routing.key: at most 16 key sources, got 17");
  // Given a source_ip with a bad network or an unknown key, expect each at its place.
  expectOnly(r + "    - source_ip: { trusted_proxies: [10.0.0.0/33] }\n", 4, 38,
             "routing.key[0].source_ip.trusted_proxies[0]: invalid network '10.0.0.0/33'");
  expectOnly(r + "    - source_ip: { trusted: [] }\n", 4, 20,
             "unknown key 'trusted' in routing.key[0].source_ip");
}

TEST_CASE("routing errors: key names", "[config]") {
  const std::string r = kBackends + "routing:\n  key:\n";
  expectOnly(r + "    - cookie: \"\"\n", 4, 15, "routing.key[0].cookie: cookie name must not be empty");
  expectOnly(r + "    - cookie: \"a b\"\n", 4, 15, "cookie name 'a b' may contain only letters");
  expectOnly(r + "    - header: \"X:Y\"\n", 4, 15, "routing.key[0].header: header name 'X:Y'");
  expectOnly(r + "    - header:\n", 4, 7, "routing.key[0].header: expected a header name, got "
                                          "nothing");
  expectOnly(r + "    - query: \"a&b\"\n", 4, 14,
             "routing.key[0].query: query parameter name 'a&b' must be printable ASCII without "
             "spaces, '&', '=', '#' or '?'");
  expectOnly(r + "    - query: [sid]\n", 4, 14, "expected a query parameter name, got a list");
}

TEST_CASE("routing errors: numbers and choices", "[config]") {
  const std::string r = kBackends + "routing:\n";
  expectOnly(r + "  on_missing_key: drop\n", 3, 19,
             "routing.on_missing_key: invalid value 'drop' (expected one of: assign, round_robin, "
             "random, reject)");
  expectOnly(r + "  load_metric: cpu\n", 3, 16, "expected one of: sessions, requests");
  expectOnly(r + "  hash_seed: -1\n", 3, 14, "routing.hash_seed: invalid number '-1'");
  expectOnly(r + "  hash_seed: 18446744073709551616\n", 3, 14, "is out of range");
  expectOnly(r + "  ring: { points_per_weight: 0 }\n", 3, 30,
             "routing.ring.points_per_weight: 0 is out of range (expected 1..10000)");
  expectOnly(r + "  ring: { points_per_weight: 10001 }\n", 3, 30, "expected 1..10000");
  expectOnly(r + "  multiprobe: { probes: 1001 }\n", 3, 25,
             "routing.multiprobe.probes: 1001 is out of range (expected 1..1000)");
  expectOnly(r + "  ring: { points: 5 }\n", 3, 11, "unknown key 'points' in routing.ring");
  expectOnly(r + "  colour: red\n", 3, 3, "unknown key 'colour' in routing (expected one of: "
                                          "strategy, key, on_missing_key, hash_seed");
}

TEST_CASE("routing errors: balance_factor", "[config]") {
  const std::string r = kBackends + "routing:\n  balance_factor: ";
  CHECK(loadOk(r + "0\n").routing.balance_factor == 0);
  CHECK(loadOk(r + "2\n").routing.balance_factor == 2);
  CHECK(loadOk(r + "100\n").routing.balance_factor == 100);
  CHECK(loadOk(r + "1.01\n").routing.balance_factor == 1.01);
  // Given 0 < c <= 1, expect the reason and the way out.
  expectOnly(r + "1.0\n", 3, 19,
             "routing.balance_factor: 1.0 is too small: the factor must be greater than 1.0");
  expectOnly(r + "0.5\n", 3, 19, "or 0 to turn bounded loads off");
  expectOnly(r + "100.5\n", 3, 19, "100.5 is larger than the maximum of 100");
  for (const char* bad : {"-2", "1e3", "inf", "1.", ".5", "1.2.3", "x"}) {
    INFO(bad);
    expectOnly(r + bad + "\n", 3, 19, "invalid number '" + std::string(bad) + "'");
  }
}

TEST_CASE("routing errors: maglev table size", "[config]") {
  const std::string r = kBackends + "routing:\n  maglev: { table_size: ";
  CHECK(loadOk(r + "101 }\n").routing.maglev_table_size == 101);
  CHECK(loadOk(r + "10000019 }\n").routing.maglev_table_size == 10000019);
  // Given a composite size, expect "not prime" and the next prime.
  expectOnly(r + "65536 }\n", 3, 25,
             "routing.maglev.table_size: 65536 is not prime (Maglev needs a prime table size so "
             "every backend's permutation visits every slot); the next prime is 65537");
  expectOnly(r + "10000020 }\n", 3, 25, "out of range (expected 1..10000019)");
  // Given maglev with fewer than 100 slots per backend, expect the rule stated at table_size...
  std::string three = "backends:\n";
  for (int i = 1; i <= 3; ++i) {
    three += "  - { name: b" + std::to_string(i) + ", address: 127.0.0.1:900" +
             std::to_string(i) + " }\n";
  }
  expectOnly(three + "routing: { strategy: maglev, maglev: { table_size: 293 } }\n", 5, 52,
             "routing.maglev.table_size: 293 is too small: the table size must be prime and at "
             "least 100 x the backend count (3 backends need 300); try 307");
  // ... but not for other strategies, which do not use the table.
  CHECK(loadOk(three + "routing: { strategy: ring, maglev: { table_size: 293 } }\n")
            .routing.maglev_table_size == 293);
  // Given backends listed after routing, expect the same check.
  expectOnly("routing: { strategy: maglev, maglev: { table_size: 101 } }\n"
             "backends:\n  - { name: a, address: 127.0.0.1:1 }\n"
             "  - { name: b, address: 127.0.0.1:2 }\n",
             1, 52, "(2 backends need 200); try 211");
  // Given more backends than the default table covers, expect the error at the strategy.
  std::string many = "backends:\n";
  for (int i = 0; i < 656; ++i) {
    many += "  - { name: b" + std::to_string(i) + ", address: 127.0.0.1:" +
            std::to_string(1000 + i) + " }\n";
  }
  expectOnly(many + "routing:\n  strategy: maglev\n", 659, 13,
             "routing.strategy: the default maglev.table_size 65537 is too small: it must be "
             "prime and at least 100 x the backend count (656 backends need 65600); try 65609");
}

TEST_CASE("routing errors: jump slots", "[config]") {
  const std::string three = "backends:\n"
                            "  - { name: app1, address: 127.0.0.1:9001 }\n"
                            "  - { name: app2, address: 127.0.0.1:9002 }\n"
                            "  - { name: app3, address: 127.0.0.1:9003 }\n"
                            "routing:\n  strategy: jump\n  jump:\n    slots: ";  // line 8
  CHECK(loadOk(three + "[app3, ~, app1, null, app2]\n").routing.jump_slots ==
        std::vector<std::string>{"app3", "", "app1", "", "app2"});
  // Given an unknown name, expect it at its position with the configured names.
  expectOnly(three + "[app1, app9, app2, app3]\n", 8, 19,
             "routing.jump.slots[1]: unknown backend 'app9' (configured: app1, app2, app3; write "
             "~ for a removed slot)");
  // Given a backend twice, expect the second occurrence.
  expectOnly(three + "[app1, app2, app3, app1]\n", 8, 31,
             "routing.jump.slots[3]: backend 'app1' appears more than once (first at slots[0])");
  // Given a backend left out, expect the rule at the list.
  expectOnly(three + "[app1, ~, app3]\n", 8, 12,
             "routing.jump.slots: backend 'app2' has no slot; every configured backend must "
             "appear exactly once");
  // Given shapes that are not names, expect each explained.
  expectOnly(three + "[app1, \"\", app2, app3]\n", 8, 19,
             "routing.jump.slots[1]: empty backend name; write ~ for a removed slot");
  expectOnly(three + "[]\n", 8, 12, "routing.jump.slots: must list every backend");
  expectOnly(three + "app1\n", 8, 12, "routing.jump.slots: expected a list of backend names");
  expectOnly(three + "[app1, [app2], app3]\n", 8, 19,
             "routing.jump.slots[1]: expected a backend name or ~, got a list");
  // Given a bad backend list, expect only the backend error, not a cascade from slots.
  expectOnly("backends:\n  - { name: \"a b\", address: 127.0.0.1:1 }\n"
             "routing: { jump: { slots: [x] } }\n",
             2, 13, "backends[0].name");
}

TEST_CASE("routing errors: affinity cookie", "[config]") {
  const std::string r = kBackends + "routing:\n  affinity_cookie:\n";  // keys on line 4
  const std::string secrets = "    secrets: [" + kSecret + "]\n";
  // Given no secrets, expect them required at the section.
  expectOnly(r + "    name: aff\n", 3, 3,
             "routing.affinity_cookie: missing required key 'secrets'");
  expectOnly(kBackends + "routing:\n  affinity_cookie:\n", 3, 3,
             "missing required key 'secrets'");
  expectOnly(r + "    secrets: []\n", 4, 14,
             "routing.affinity_cookie.secrets: at least one secret is required");
  expectOnly(r + "    secrets: x\n", 4, 14, "expected a list of secrets, got 'x'");
  // Given a short secret, expect its length, never its text.
  const LoadResult short_secret = loadConfigString(r + "    secrets: [" + kSecret +
                                                       ", \"hunter2\"]\n", "t.yaml");
  REQUIRE_FALSE(short_secret.ok());
  REQUIRE(short_secret.errors().size() == 1);
  CHECK(short_secret.errors()[0].line == 4);
  CHECK(short_secret.errors()[0].column == 35);
  CHECK(short_secret.errors()[0].message ==
        "routing.affinity_cookie.secrets[1]: a secret must be at least 16 bytes long (got 7)");
  // Given SameSite=None without secure, expect the rule at same_site.
  expectOnly(r + secrets + "    same_site: None\n", 5, 16,
             "routing.affinity_cookie.same_site: SameSite=None requires 'secure: true'");
  CHECK(loadOk(r + secrets + "    same_site: None\n    secure: true\n")
            .routing.affinity_cookie.same_site == "None");
  expectOnly(r + secrets + "    same_site: lax\n", 5, 16,
             "invalid value 'lax' (expected one of: Strict, Lax, None)");
  // Given idle_ttl longer than ttl, expect it at idle_ttl.
  expectOnly(r + secrets + "    ttl: 10m\n    idle_ttl: 1h\n", 6, 15,
             "routing.affinity_cookie.idle_ttl: must not be longer than ttl (10m)");
  expectOnly(r + secrets + "    idle_ttl: 25h\n", 5, 15, "longer than ttl (24h, the default)");
  CHECK(loadOk(r + secrets + "    ttl: 1h\n    idle_ttl: 1h\n").routing.affinity_cookie.idle_ttl ==
        1h);
  // Given values that would break Set-Cookie, expect each refused.
  expectOnly(r + secrets + "    name: \"a;b\"\n", 5, 11,
             "routing.affinity_cookie.name: cookie name 'a;b' may contain only");
  expectOnly(r + secrets + "    path: app\n", 5, 11, "cookie path 'app' must start with '/'");
  expectOnly(r + secrets + "    path: \"/a;Domain=evil\"\n", 5, 11, "without spaces or ';'");
  expectOnly(r + secrets + "    domain: \"a b\"\n", 5, 13, "cookie domain 'a b' must be");
  expectOnly(r + secrets + "    attributes: [Partitioned, \"x; Secure\"]\n", 5, 31,
             "routing.affinity_cookie.attributes[1]: cookie attribute 'x; Secure' must not "
             "contain ';'");
  expectOnly(r + secrets + "    secure: yes\n", 5, 13, "expected true or false, got 'yes'");
  expectOnly(r + secrets + "    ttl: 0s\n", 5, 10, "must be greater than 0");
  expectOnly(r + secrets + "    max_age: 1h\n", 5, 5, "unknown key 'max_age' in "
                                                    "routing.affinity_cookie");
}

TEST_CASE("routing errors: stick table and learn_cookie", "[config]") {
  const std::string r = kBackends + "routing:\n";
  expectOnly(r + "  stick_table: { size: 0 }\n", 3, 24,
             "routing.stick_table.size: 0 is out of range (expected 1..100000000)");
  expectOnly(r + "  stick_table: { size: 100000001 }\n", 3, 24, "expected 1..100000000");
  expectOnly(r + "  stick_table: { idle_ttl: 5 }\n", 3, 28, "a unit is required");
  expectOnly(r + "  stick_table: { persist: \"\" }\n", 3, 27,
             "routing.stick_table.persist: expected a file path, got ''");
  expectOnly(r + "  stick_table: [1]\n", 3, 16, "routing.stick_table: expected a map, got a list");
  // Given learn_cookie without a stick table, expect the error at the learn_cookie key.
  expectOnly(r + "  strategy: ring\n  learn_cookie: JSESSIONID\n", 4, 3,
             "routing.learn_cookie: requires 'stick_table'");
  // Given the stick table after learn_cookie, expect it accepted (order does not matter).
  CHECK(loadOk(r + "  learn_cookie: sid\n  stick_table: {}\n").routing.learn_cookie == "sid");
  expectOnly(r + "  learn_cookie: \"\"\n  stick_table: {}\n", 3, 17,
             "routing.learn_cookie: cookie name must not be empty");
}

TEST_CASE("routing errors: several mistakes are all reported, in order", "[config]") {
  // Given three independent mistakes in routing, expect three errors in document order.
  const LoadResult r = loadConfigString(kBackends +
                                            "routing:\n"                      // 2
                                            "  strategy: maglevv\n"           // 3
                                            "  key: [{cookie: \"\"}]\n"       // 4
                                            "  balance_factor: 1\n",          // 5
                                        "t.yaml");
  REQUIRE_FALSE(r.ok());
  INFO(describe(r.errors()));
  REQUIRE(r.errors().size() == 3);
  CHECK(r.errors()[0].line == 3);
  CHECK(r.errors()[1].line == 4);
  CHECK(r.errors()[2].line == 5);
}

TEST_CASE("validate: primes, factors and HTTP names", "[config]") {
  CHECK_FALSE(isPrime(0));
  CHECK_FALSE(isPrime(1));
  CHECK(isPrime(2));
  CHECK(isPrime(3));
  CHECK_FALSE(isPrime(4));
  CHECK(isPrime(65537));
  CHECK_FALSE(isPrime(65536));
  CHECK(isPrime(kMaxMaglevTableSize));
  CHECK_FALSE(isPrime(uint64_t{65537} * 65537));
  CHECK(nextPrime(65536) == 65537);
  CHECK(nextPrime(300) == 307);
  CHECK(nextPrime(2) == 2);
  CHECK(*parseBalanceFactor("1.25").value == 1.25);
  CHECK(*parseBalanceFactor("0").value == 0);
  CHECK(*parseBalanceFactor("0.0").value == 0);
  CHECK_FALSE(parseBalanceFactor("").ok());
  CHECK_FALSE(parseBalanceFactor("1").ok());
  CHECK_FALSE(checkCookieName("JSESSIONID").has_value());
  CHECK_FALSE(checkCookieName("__Host-sid").has_value());
  CHECK(checkCookieName("a=b").has_value());
  CHECK(checkCookieName("caf\xc3\xa9").has_value());
  CHECK_FALSE(checkHeaderName("X-Session-Id").has_value());
  CHECK(checkHeaderName("X Session").has_value());
  CHECK_FALSE(checkQueryParamName("session.id").has_value());
  CHECK(checkQueryParamName("").has_value());
  CHECK_FALSE(checkCookiePath("/app").has_value());
  CHECK_FALSE(checkCookieDomain(".example.com").has_value());
  CHECK(checkCookieDomain("").has_value());
  CHECK_FALSE(checkCookieAttribute("Partitioned").has_value());
  CHECK_FALSE(checkCookieAttribute("Priority=High").has_value());
  CHECK(checkCookieAttribute("").has_value());
  CHECK(checkCookieAttribute("a\r\nSet-Cookie: x=y").has_value());
}

} // namespace
} // namespace tether::config
