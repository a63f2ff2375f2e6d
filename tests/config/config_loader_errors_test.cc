// loadConfigString, refusing side: every class of mistake is reported at the exact line and
// column of the key or value at fault, with a message that names the key path, and the loader
// keeps going so one run shows every mistake. Nothing throws out of the loader.

#include <catch2/catch.hpp>

#include "config/config_loader.h"
#include "tests/config/config_test_util.h"

namespace tether::config {
namespace {

using namespace tether::config::test;

// A valid backends line, so each case below has exactly the one mistake it is about.
const std::string kBackends = "backends: [{address: 127.0.0.1:9001}]\n";

TEST_CASE("errors: unknown keys at every level", "[config]") {
  // Given a misspelt key, expect an error at the key naming the section and the valid keys.
  expectOnly(kBackends + "colour: red\n", 2, 1,
             "unknown key 'colour' at top level (expected one of: listen, workers, backends, "
             "routing, timeouts, limits, upstream, forwarding, logging, health, drain, admin)");
  expectOnly(kBackends + "timeouts:\n  connect: 2s\n  conect: 3s\n", 4, 3,
             "unknown key 'conect' in timeouts (expected one of: client_header, client_idle, "
             "connect, upstream_response, graceful_shutdown)");
  expectOnly("backends:\n  - address: 127.0.0.1:9001\n    wieght: 2\n", 3, 5,
             "unknown key 'wieght' in backends[0] (expected one of: name, address, weight, state)");
  expectOnly(kBackends + "logging: { level: info, colour: true }\n", 2, 25,
             "unknown key 'colour' in logging (expected one of: level, access_log, format)");
}

TEST_CASE("errors: duplicate keys", "[config]") {
  // Given a key twice in one map, expect an error at the second naming the first's line.
  expectOnly(kBackends + "workers: 2\nworkers: 3\n", 3, 1,
             "duplicate key 'workers' at top level (first at line 2)");
  expectOnly(kBackends + "timeouts: { connect: 1s, connect: 2s }\n", 2, 26,
             "duplicate key 'connect' in timeouts (first at line 2)");
}

TEST_CASE("errors: wrong types", "[config]") {
  // Given a list or scalar where a map belongs (and vice versa), expect the key path and both
  // the expected and the actual shape.
  expectOnly(kBackends + "timeouts: [1, 2]\n", 2, 11, "timeouts: expected a map, got a list");
  expectOnly(kBackends + "routing: round_robin\n", 2, 10,
             "routing: expected a map, got 'round_robin'");
  expectOnly(kBackends + "limits:\n  max_connections: {a: 1}\n", 3, 20,
             "limits.max_connections: expected a whole number in 1..1000000, got a map");
  expectOnly(kBackends + "timeouts: { connect: [2s] }\n", 2, 22,
             "timeouts.connect: expected a duration such as 250ms, 10s, 2m or 1h, got a list");
  expectOnly("backends: {address: 127.0.0.1:9001}\n", 1, 11,
             "backends: expected a list of backends, got a map");
  expectOnly("backends:\n  - 127.0.0.1:9001\n", 2, 5,
             "backends[0]: expected a map, got '127.0.0.1:9001'");
  expectOnly(kBackends + "listen: {a: 1}\n", 2, 9,
             "listen: expected an address or a list of addresses, got a map");
  expectOnly(kBackends + "listen: [[127.0.0.1:80]]\n", 2, 10,
             "listen[0]: expected an address such as 127.0.0.1:8080, got a list");
  expectOnly(kBackends + "forwarding: { trusted_proxies: 10.0.0.0/8 }\n", 2, 32,
             "forwarding.trusted_proxies: expected a list of networks");
  expectOnly(kBackends + "logging: { level: [info] }\n", 2, 19,
             "logging.level: expected one of: trace, debug, info, warn, error, off, got a list");
}

TEST_CASE("errors: an empty value is reported at its key", "[config]") {
  // Given "key:" with nothing after it, expect the error at the key (yaml-cpp would point at the
  // next line), saying nothing was given.
  expectOnly(kBackends + "timeouts:\nworkers: 2\n", 2, 1, "timeouts: expected a map, got nothing");
  expectOnly(kBackends + "timeouts:\n  connect:\n", 3, 3,
             "timeouts.connect: expected a duration such as 250ms, 10s, 2m or 1h, got nothing");
  expectOnly(kBackends + "workers: ~\n", 2, 1, "workers: expected 'auto' or a whole number");
}

TEST_CASE("errors: durations", "[config]") {
  // Given bad durations, expect the usage hint and the specific reason.
  expectOnly(kBackends + "timeouts: { connect: 10x }\n", 2, 22,
             "timeouts.connect: invalid duration '10x' (use e.g. 250ms, 10s, 2m, 1h)");
  expectOnly(kBackends + "timeouts:\n  client_idle: 10\n", 3, 16,
             "timeouts.client_idle: invalid duration '10': a unit is required");
  expectOnly(kBackends + "upstream:\n  idle_timeout: 0s\n", 3, 17,
             "upstream.idle_timeout: invalid duration '0s': must be greater than 0");
  expectOnly(kBackends + "timeouts:\n  graceful_shutdown: 99999999999999999999h\n", 3, 22,
             "larger than the maximum");
  expectOnly(kBackends + "timeouts:\n  connect: -1s\n", 3, 12, "invalid duration '-1s'");
}

TEST_CASE("errors: addresses", "[config]") {
  // Given names, missing ports, unbracketed IPv6 and port 0 on a backend, expect each reason at
  // the address value.
  expectOnly("backends:\n  - address: localhost:9001\n", 2, 14,
             "backends[0].address: invalid address 'localhost:9001': host names are not "
             "resolved; use a numeric IP address");
  expectOnly("backends:\n  - address: 127.0.0.1\n", 2, 14, "missing port");
  expectOnly("backends:\n  - address: \"::1:80\"\n", 2, 14,
             "IPv6 addresses must be in brackets");
  expectOnly("backends:\n  - address: 127.0.0.1:0\n", 2, 14,
             "backends[0].address: invalid address '127.0.0.1:0': port must be a number from 1 "
             "to 65535");
  expectOnly(kBackends + "listen: 127.0.0.1:70000\n", 2, 9,
             "listen: invalid address '127.0.0.1:70000': port must be a number from 0 to 65535");
  expectOnly(kBackends + "listen:\n  - 127.0.0.1:80\n  - example.com:80\n", 4, 5,
             "listen[1]: invalid address 'example.com:80': host names are not resolved");
  expectOnly(kBackends + "listen: []\n", 2, 9, "listen: must name at least one address");
  expectOnly(kBackends + "listen: [127.0.0.1:80, \"[::1]:80\", 127.0.0.1:80]\n", 2, 36,
             "listen[2]: duplicate listen address '127.0.0.1:80' (first at line 2)");
}

TEST_CASE("errors: numbers and booleans", "[config]") {
  // Given junk, signs and out-of-range numbers, expect the field path and its valid range.
  expectOnly("backends:\n  - { address: 127.0.0.1:9001, weight: 0 }\n", 2, 40,
             "backends[0].weight: 0 is out of range (expected 1..1000)");
  expectOnly("backends:\n  - { address: 127.0.0.1:9001, weight: 12abc }\n", 2, 40,
             "backends[0].weight: invalid number '12abc' (expected a whole number in 1..1000)");
  expectOnly("backends:\n  - { address: 127.0.0.1:9001, weight: -1 }\n", 2, 40,
             "invalid number '-1'");
  expectOnly(kBackends + "limits: { max_header_bytes: 512 }\n", 2, 29,
             "limits.max_header_bytes: 512 is out of range (expected 1024..1048576)");
  expectOnly(kBackends + "limits: { max_header_bytes: 1048577 }\n", 2, 29, "out of range");
  expectOnly(kBackends + "limits: { max_connections: 0 }\n", 2, 28,
             "limits.max_connections: 0 is out of range (expected 1..1000000)");
  expectOnly(kBackends + "limits: { max_body_bytes: 18446744073709551616 }\n", 2, 27,
             "limits.max_body_bytes: 18446744073709551616 is out of range");
  expectOnly(kBackends + "workers: 0\n", 2, 10,
             "workers: expected 'auto' or a whole number in 1..256, got '0'");
  expectOnly(kBackends + "workers: 257\n", 2, 10, "got '257'");
  expectOnly(kBackends + "workers: many\n", 2, 10, "got 'many'");
  expectOnly(kBackends + "forwarding: { x_forwarded_for: yes }\n", 2, 32,
             "forwarding.x_forwarded_for: expected true or false, got 'yes'");
}

TEST_CASE("errors: enumerations", "[config]") {
  // Given a strategy typo, expect the valid names; the same for logging's closed sets.
  expectOnly(kBackends + "routing:\n  strategy: fastest\n", 3, 13,
             "routing.strategy: unknown strategy 'fastest' (expected one of: round_robin, ring, "
             "maglev, rendezvous, jump, multiprobe, random, ip_hash_modulo)");
  expectOnly(kBackends + "logging: { level: verbose }\n", 2, 19,
             "logging.level: invalid value 'verbose' (expected one of: trace, debug, info, warn, "
             "error, off)");
  expectOnly(kBackends + "logging: { format: xml }\n", 2, 20,
             "logging.format: invalid value 'xml' (expected one of: text, json)");
  expectOnly(kBackends + "logging: { access_log: \"\" }\n", 2, 24,
             "logging.access_log: expected off, stdout or a file path, got ''");
}

TEST_CASE("errors: trusted proxies are checked one by one", "[config]") {
  // Given two bad networks among good ones, expect one error at each bad one.
  const ConfigErrors errors =
      loadErrors(kBackends + "forwarding:\n  trusted_proxies: [10.0.0.0/8, 10.0.0.0/33, x/8]\n");
  INFO(describe(errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 3);
  CHECK(errors[0].column == 33);
  CHECK(errors[0].message == "forwarding.trusted_proxies[1]: invalid network '10.0.0.0/33' "
                             "(expected a CIDR such as 10.0.0.0/8 or fd00::/8, or an address "
                             "such as ::1)");
  CHECK(errors[1].column == 46);
  CHECK_THAT(errors[1].message,
             Catch::StartsWith("forwarding.trusted_proxies[2]: invalid network 'x/8'"));
}

TEST_CASE("errors: backends list", "[config]") {
  // Given no backends key, an empty list, or an entry without an address, expect each reported.
  expectOnly("listen: 127.0.0.1:80\n", 1, 1,
             "top level: missing required key 'backends' (a list of upstream servers)");
  expectOnly("backends: []\n", 1, 11, "backends: at least one backend is required");
  expectOnly("backends:\n  - name: a\n", 2, 5, "backends[0]: missing required key 'address'");
  expectOnly("backends:\n  - { name: \"app 1\", address: 127.0.0.1:9001 }\n", 2, 13,
             "backends[0].name: backend name 'app 1' must be printable ASCII without spaces");
}

TEST_CASE("errors: duplicate backend names", "[config]") {
  // Given two backends named "app", expect an error at the second name citing the first's line.
  expectOnly("backends:\n"
             "  - { name: app, address: 127.0.0.1:9001 }\n"
             "  - { name: other, address: 127.0.0.1:9002 }\n"
             "  - { name: app, address: 127.0.0.1:9003 }\n",
             4, 13, "backends[2].name: duplicate backend name 'app' (first defined at line 2)");
  // Given two unnamed backends on one address, expect the clash on the default name explained.
  expectOnly("backends:\n  - address: 127.0.0.1:9001\n  - address: 127.0.0.1:9001\n", 3, 14,
             "backends[1].address: duplicate backend name '127.0.0.1:9001' (first defined at line "
             "2); the default name is the address, so give each a 'name'");
  // Given a name equal to another backend's default name, expect the same rule.
  expectOnly("backends:\n  - address: 127.0.0.1:9001\n  - { name: \"127.0.0.1:9001\", address: "
             "127.0.0.1:9002 }\n",
             3, 13, "duplicate backend name '127.0.0.1:9001' (first defined at line 2)");
}

TEST_CASE("errors: document shape", "[config]") {
  // Given an empty or comment-only file, expect "empty" at 1:1.
  expectOnly("", 1, 1, "config is empty; at least 'backends' is required");
  expectOnly("# nothing yet\n\n", 1, 1, "config is empty");
  // Given a list or a scalar at the top, expect "expected a map of settings".
  expectOnly("- a\n- b\n", 1, 1, "top level: expected a map of settings (listen, backends, ...), "
                                 "got a list");
  expectOnly("hello\n", 1, 1, "top level: expected a map of settings (listen, backends, ...), "
                              "got 'hello'");
  // Given a second document, expect it refused where it starts.
  expectOnly(kBackends + "---\nworkers: 2\n", 3, 1, "only one YAML document is allowed");
  // Given a non-scalar key, expect a plain-name error at the key.
  expectOnly(kBackends + "timeouts: { [a]: 1s }\n", 2, 13, "keys must be plain names in timeouts");
}

TEST_CASE("errors: YAML syntax errors carry the parser's position", "[config]") {
  // Given an unterminated flow list, expect one error at the parser's line:col (1-based).
  expectOnly("backends: [1\nworkers: 2\n", 2, 8, "invalid YAML: end of sequence flow not found");
  // Given a tab for indentation and a bad mapping, expect the parser's own message.
  expectOnly("workers: 1: 2\n", 1, 11, "invalid YAML: illegal map value");
  expectOnly("backends:\n  - a\n b: 1\n", 3, 2, "invalid YAML");
}

TEST_CASE("errors: pathological input ends in an error, not a hang or a throw", "[config]") {
  // Given a stray "," in a second document, expect the loader to return (yaml-cpp 0.7's LoadAll
  // loops on this until memory runs out; the loader bounds its own loop, and the stray document
  // reads as empty, so the config stands).
  const LoadResult stray = loadConfigString(kBackends + "---\n,\n", "t.yaml");
  CHECK(stray.ok());
  // Given a lone ",", expect an error (yaml-cpp reads it as an empty document).
  CHECK_FALSE(loadConfigString(",", "t.yaml").ok());
  // Given nesting far past yaml-cpp's depth limit, expect a readable message instead of its
  // "bad file".
  expectOnly(std::string(5000, '['), 1, 1, "invalid YAML: nested more than 500 levels deep");
  // Given an alias to an anchor that does not exist, expect the parser's message.
  expectOnly(kBackends + "workers: *nope\n", 2, 10,
             "invalid YAML: the referenced anchor is not defined");
  // Given NUL bytes and invalid UTF-8, expect errors, not exceptions.
  CHECK_NOTHROW(loadConfigString(std::string("backends:\0\xff\xfe", 13), "t.yaml"));
}

TEST_CASE("errors: every mistake in a file is reported, in order", "[config]") {
  // Given five independent mistakes, expect five errors in document order, none lost after the
  // first and none duplicated.
  const ConfigErrors errors = loadErrors("listen: localhost:80\n"                      // 1
                                         "workers: lots\n"                             // 2
                                         "backends:\n"                                 // 3
                                         "  - { name: a, address: 127.0.0.1:9001 }\n"  // 4
                                         "  - { name: a, address: 127.0.0.1:9002 }\n"  // 5
                                         "timeouts:\n"                                 // 6
                                         "  connect: 5\n"                              // 7
                                         "  idle: 5s\n");                              // 8
  INFO(describe(errors));
  REQUIRE(errors.size() == 5);
  const std::vector<std::tuple<int, int, std::string>> expected = {
      {1, 9, "listen: invalid address 'localhost:80'"},
      {2, 10, "workers: expected 'auto'"},
      {5, 13, "backends[1].name: duplicate backend name 'a'"},
      {7, 12, "timeouts.connect: invalid duration '5'"},
      {8, 3, "unknown key 'idle' in timeouts"},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [line, col, text] = expected[i];
    INFO("error " << i);
    CHECK(errors[i].line == line);
    CHECK(errors[i].column == col);
    CHECK_THAT(errors[i].message, Catch::StartsWith(text));
  }
}

} // namespace
} // namespace tether::config
