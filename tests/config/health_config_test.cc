// The `health:`, `drain:` and `admin:` sections, `backends[].state` and
// `upstream.retry_on_reset`: the documented example parses to the values it describes, absent keys
// keep the model's defaults, presence-enabled maps work with nothing after them, and every
// mistake (shape, value or cross-field) is reported at its exact line and column.

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "config/config_loader.h"
#include "tests/config/config_test_util.h"

namespace tether::config {
namespace {

using namespace std::chrono_literals;
using namespace tether::config::test;

const std::string kBackends = "backends: [{name: app1, address: 127.0.0.1:9001}]\n";
const std::string kToken = "\"0123456789abcdef\"";  // exactly 16 bytes

// The schema example of docs/configuration-health.md, every key set away from its default.
const char* const kFullExample =
    "backends:\n"
    "  - name: app1\n"
    "    address: 127.0.0.1:9001\n"
    "    weight: 1\n"
    "    state: ready\n"
    "  - { name: app2, address: 127.0.0.1:9002, state: drain }\n"
    "  - { name: app3, address: 127.0.0.1:9003, state: maintenance }\n"
    "upstream:\n"
    "  retry_on_reset: true\n"
    "health:\n"
    "  active:\n"
    "    type: http\n"
    "    path: /healthz?full=1\n"
    "    expect_status: 200-299\n"
    "    host: example.internal\n"
    "    interval: 5s\n"
    "    timeout: 1500ms\n"
    "    rise: 4\n"
    "    fall: 6\n"
    "    jitter: 25%\n"
    "  passive:\n"
    "    consecutive_failures: 7\n"
    "    eject_for: 20s\n"
    "    max_eject_for: 10m\n"
    "  slow_start: 30s\n"
    "drain:\n"
    "  timeout: 15m\n"
    "  policy: migrate\n"
    "admin:\n"
    "  listen: 127.0.0.1:9901\n"
    "  token: \"secret-secret-secret\"\n";

TEST_CASE("health: the full example lands in every field", "[config][health]") {
  // Given every new key with a non-default value, expect each value in its model field.
  const Config c = loadOk(kFullExample);
  REQUIRE(c.backends.size() == 3);
  CHECK(c.backends[0].state == AdminState::Ready);
  CHECK(c.backends[1].state == AdminState::Drain);
  CHECK(c.backends[2].state == AdminState::Maintenance);
  CHECK(c.upstream.retry_on_reset);

  const ActiveHealthConfig& a = c.health.active;
  CHECK(a.enabled);
  CHECK(a.type == ActiveHealthConfig::Type::Http);
  CHECK(a.path == "/healthz?full=1");
  CHECK(a.expect_min == 200);
  CHECK(a.expect_max == 299);
  CHECK(a.host == "example.internal");
  CHECK(a.interval == 5s);
  CHECK(a.timeout == 1500ms);
  CHECK(a.rise == 4);
  CHECK(a.fall == 6);
  CHECK(a.jitter_percent == 25);

  const PassiveHealthConfig& p = c.health.passive;
  CHECK(p.enabled);
  CHECK(p.consecutive_failures == 7);
  CHECK(p.eject_for == 20s);
  CHECK(p.max_eject_for == 10min);
  CHECK(c.health.slow_start == 30s);

  CHECK(c.drain.timeout == 15min);
  CHECK(c.drain.policy == DrainConfig::Policy::Migrate);

  CHECK(c.admin.enabled);
  CHECK(c.admin.listen.toString() == "127.0.0.1:9901");
  CHECK(c.admin.token == "secret-secret-secret");
}

TEST_CASE("health: absent sections keep the model defaults", "[config][health]") {
  // Given only backends, expect everything new off or at its documented default.
  const Config c = loadOk(kBackends);
  CHECK(c.backends[0].state == AdminState::Ready);
  CHECK_FALSE(c.upstream.retry_on_reset);
  CHECK_FALSE(c.health.active.enabled);
  CHECK_FALSE(c.health.passive.enabled);
  CHECK(c.health.slow_start == 0ms);
  CHECK(c.drain.timeout == 0ms);
  CHECK(c.drain.policy == DrainConfig::Policy::Keep);
  CHECK_FALSE(c.admin.enabled);

  // Given `health: {}` and `drain: {}`, expect the same: a section being present enables nothing.
  const Config empty = loadOk(kBackends + "health: {}\ndrain: {}\n");
  CHECK_FALSE(empty.health.active.enabled);
  CHECK_FALSE(empty.health.passive.enabled);
  CHECK(empty.drain.timeout == 0ms);
}

TEST_CASE("health: active, passive and admin alone mean on with defaults", "[config][health]") {
  // Given each presence-enabled map with nothing after it, expect it on with the model defaults.
  for (const std::string sections : {"health:\n  active:\n  passive:\nadmin:\n",
                                     "health: { active: {}, passive: {} }\nadmin: {}\n"}) {
    INFO(sections);
    const Config c = loadOk(kBackends + sections);
    const ActiveHealthConfig a = c.health.active;
    CHECK(a.enabled);
    CHECK(a.type == ActiveHealthConfig::Type::Http);
    CHECK(a.path == "/health");
    CHECK(a.expect_min == 200);
    CHECK(a.expect_max == 399);
    CHECK(a.host.empty());
    CHECK(a.interval == 2s);
    CHECK(a.timeout == 1s);
    CHECK(a.rise == 2);
    CHECK(a.fall == 3);
    CHECK(a.jitter_percent == 10);
    const PassiveHealthConfig p = c.health.passive;
    CHECK(p.enabled);
    CHECK(p.consecutive_failures == 5);
    CHECK(p.eject_for == 10s);
    CHECK(p.max_eject_for == 5min);
    CHECK(c.admin.enabled);
    CHECK(c.admin.listen.toString() == "127.0.0.1:9901");
    CHECK(c.admin.token.empty());
  }
}

TEST_CASE("health: the accepted value forms", "[config][health]") {
  // Given a single status code, as a plain integer or a string, expect min == max.
  for (const std::string v : {"200", "\"204\"", "204-204"}) {
    const Config c = loadOk(kBackends + "health:\n  active:\n    expect_status: " + v + "\n");
    CHECK(c.health.active.expect_min == c.health.active.expect_max);
  }
  CHECK(loadOk(kBackends + "health: { active: { expect_status: 100-599 } }\n")
            .health.active.expect_max == 599);
  // Given jitter as a bare number or with '%', including the bounds, expect the percentage.
  CHECK(loadOk(kBackends + "health: { active: { jitter: 0 } }\n").health.active.jitter_percent ==
        0);
  CHECK(loadOk(kBackends + "health: { active: { jitter: 0% } }\n").health.active.jitter_percent ==
        0);
  CHECK(loadOk(kBackends + "health: { active: { jitter: 50 } }\n").health.active.jitter_percent ==
        50);
  // Given a tcp check with the timing keys, expect them read.
  const Config tcp = loadOk(kBackends + "health:\n  active: { type: tcp, interval: 10s, "
                                        "timeout: 9s, rise: 1, fall: 100 }\n");
  CHECK(tcp.health.active.type == ActiveHealthConfig::Type::Tcp);
  CHECK(tcp.health.active.timeout == 9s);
  CHECK(tcp.health.active.fall == 100);
  // Given slow_start and drain.timeout as any zero, expect 0 (off / none).
  for (const std::string zero : {"0", "0s", "0ms", "0m", "0h"}) {
    INFO(zero);
    const Config c =
        loadOk(kBackends + "health: { slow_start: " + zero + " }\ndrain: { timeout: " + zero +
               " }\n");
    CHECK(c.health.slow_start == 0ms);
    CHECK(c.drain.timeout == 0ms);
  }
  CHECK(loadOk(kBackends + "drain: { timeout: 90s, policy: keep }\n").drain.timeout == 90s);
  // Given eject_for equal to max_eject_for, expect it accepted (no doubling).
  CHECK(loadOk(kBackends + "health: { passive: { eject_for: 5m } }\n").health.passive.eject_for ==
        5min);
}

TEST_CASE("health: admin listener forms", "[config][health]") {
  // Given port 0 (tests), expect it accepted; the same for ::1 and 127.x without a token.
  CHECK(loadOk(kBackends + "admin: { listen: 127.0.0.1:0 }\n").admin.listen.port == 0);
  CHECK(loadOk(kBackends + "admin: { listen: \"[::1]:9901\" }\n").admin.listen.host == "::1");
  CHECK(loadOk(kBackends + "admin: { listen: 127.1.2.3:9901 }\n").admin.listen.port == 9901);
  // Given a non-loopback listener with a token, expect it accepted.
  const Config c = loadOk(kBackends + "admin: { listen: 0.0.0.0:9901, token: " + kToken + " }\n");
  CHECK(c.admin.listen.host == "0.0.0.0");
  CHECK(c.admin.token == "0123456789abcdef");
  // Given admin and proxy both on port 0, expect no clash: each gets its own free port.
  CHECK(loadOk(kBackends + "listen: 127.0.0.1:0\nadmin: { listen: 127.0.0.1:0 }\n").admin.enabled);
  // Given the same port on another loopback address or the other family, expect no clash.
  loadOk(kBackends + "listen: 127.0.0.1:8080\nadmin: { listen: 127.0.0.2:8080 }\n");
  loadOk(kBackends + "listen: 0.0.0.0:8080\nadmin: { listen: \"[::1]:8080\" }\n");
}

TEST_CASE("health errors: unknown keys in every new map", "[config][health]") {
  // Given a misspelt key, expect it at the key with the section's valid keys.
  expectOnly(kBackends + "health:\n  activ: {}\n", 3, 3,
             "unknown key 'activ' in health (expected one of: active, passive, slow_start)");
  expectOnly(kBackends + "health:\n  active:\n    intervall: 2s\n", 4, 5,
             "unknown key 'intervall' in health.active (expected one of: type, path, "
             "expect_status, host, interval, timeout, rise, fall, jitter)");
  expectOnly(kBackends + "health:\n  passive: { eject: 1s }\n", 3, 14,
             "unknown key 'eject' in health.passive (expected one of: consecutive_failures, "
             "eject_for, max_eject_for)");
  expectOnly(kBackends + "drain: { timout: 1s }\n", 2, 10,
             "unknown key 'timout' in drain (expected one of: timeout, policy)");
  expectOnly(kBackends + "admin: { address: 127.0.0.1:9901 }\n", 2, 10,
             "unknown key 'address' in admin (expected one of: listen, token)");
  expectOnly(kBackends + "upstream: { retry_on_rst: true }\n", 2, 13,
             "unknown key 'retry_on_rst' in upstream (expected one of: max_idle_per_backend, "
             "idle_timeout, receive_buffer, retries, retry_on_reset)");
  // Given a key twice, expect the usual duplicate error.
  expectOnly(kBackends + "health:\n  active: { rise: 2, rise: 3 }\n", 3, 22,
             "duplicate key 'rise' in health.active (first at line 3)");
}

TEST_CASE("health errors: shapes", "[config][health]") {
  // Given a section that is not a map, expect the key path and what was found.
  expectOnly(kBackends + "health:\n", 2, 1, "health: expected a map, got nothing");
  expectOnly(kBackends + "drain: keep\n", 2, 8, "drain: expected a map, got 'keep'");
  expectOnly(kBackends + "health: { active: true }\n", 2, 19,
             "health.active: expected a map, got 'true'");
  expectOnly(kBackends + "health: { passive: [] }\n", 2, 20,
             "health.passive: expected a map, got a list");
  expectOnly(kBackends + "admin: 127.0.0.1:9901\n", 2, 8,
             "admin: expected a map, got '127.0.0.1:9901'");
  expectOnly(kBackends + "health:\n  active:\n    path: [/a]\n", 4, 11,
             "health.active.path: expected a path such as /health, got a list");
}

TEST_CASE("health errors: backends[].state and upstream.retry_on_reset", "[config][health]") {
  expectOnly("backends:\n  - { address: 127.0.0.1:9001, state: drained }\n", 2, 39,
             "backends[0].state: invalid value 'drained' (expected one of: ready, drain, "
             "maintenance)");
  expectOnly("backends:\n  - address: 127.0.0.1:9001\n    state: Ready\n", 3, 12,
             "backends[0].state: invalid value 'Ready'");
  expectOnly(kBackends + "upstream:\n  retry_on_reset: yes\n", 3, 19,
             "upstream.retry_on_reset: expected true or false, got 'yes'");
}

TEST_CASE("health errors: active check values", "[config][health]") {
  const std::string active = kBackends + "health:\n  active:\n";  // the key goes on line 4
  expectOnly(active + "    type: udp\n", 4, 11,
             "health.active.type: invalid value 'udp' (expected one of: http, tcp)");
  expectOnly(active + "    path: health\n", 4, 11,
             "health.active.path: probe path 'health' must start with '/'");
  expectOnly(active + "    path: \"/a b\"\n", 4, 11,
             "health.active.path: probe path '/a b' must be printable ASCII without spaces");
  expectOnly(active + "    host: \"a b\"\n", 4, 11,
             "health.active.host: probe Host 'a b' must be printable ASCII without spaces");
  expectOnly(active + "    host: \"\"\n", 4, 11,
             "health.active.host: probe Host must not be empty");
  expectOnly(active + "    expect_status: 99\n", 4, 20,
             "health.active.expect_status: invalid status '99': 99 is not an HTTP status code "
             "(expected a status code such as 200 or a range such as 200-399, codes 100..599)");
  expectOnly(active + "    expect_status: 200-600\n", 4, 20, "600 is not an HTTP status code");
  expectOnly(active + "    expect_status: 399-200\n", 4, 20,
             "invalid status range '399-200': the first code must not be above the second");
  expectOnly(active + "    expect_status: 2xx\n", 4, 20, "invalid status '2xx' (expected");
  expectOnly(active + "    expect_status: 200-\n", 4, 20, "invalid status '200-' (expected");
  expectOnly(active + "    interval: 0s\n", 4, 15,
             "health.active.interval: invalid duration '0s': must be greater than 0");
  expectOnly(active + "    timeout: 1\n", 4, 14,
             "health.active.timeout: invalid duration '1': a unit is required");
  expectOnly(active + "    rise: 0\n", 4, 11,
             "health.active.rise: 0 is out of range (expected 1..100)");
  expectOnly(active + "    fall: 101\n", 4, 11,
             "health.active.fall: 101 is out of range (expected 1..100)");
  expectOnly(active + "    jitter: 51%\n", 4, 13,
             "health.active.jitter: jitter '51%' is out of range (expected 0%..50%");
  expectOnly(active + "    jitter: 10 %\n", 4, 13,
             "health.active.jitter: invalid jitter '10 %' (expected a percentage such as 10%, "
             "in 0%..50%)");
  expectOnly(active + "    jitter: -5%\n", 4, 13, "invalid jitter '-5%'");
}

TEST_CASE("health errors: timeout must be below interval", "[config][health]") {
  const std::string active = kBackends + "health:\n  active:\n";
  // Given both, expect the error at timeout's value naming the interval.
  expectOnly(active + "    interval: 2s\n    timeout: 2s\n", 5, 14,
             "health.active.timeout: must be shorter than interval (2s)");
  // Given timeout before interval in the file, expect the error still at timeout.
  expectOnly(active + "    timeout: 5s\n    interval: 3s\n", 4, 14,
             "health.active.timeout: must be shorter than interval (3s)");
  // Given only a timeout above the default interval, expect the default named.
  expectOnly(active + "    timeout: 3s\n", 4, 14,
             "health.active.timeout: must be shorter than interval (2s, the default)");
  // Given only an interval at or below the default timeout, expect the error at the interval.
  expectOnly(active + "    interval: 500ms\n", 4, 15,
             "health.active.interval: must be longer than timeout (1s, the default)");
  // Given a refused interval, expect only its own error (the default does not stand in for it).
  expectOnly(active + "    interval: 1x\n    timeout: 5s\n", 4, 15, "invalid duration '1x'");
}

TEST_CASE("health errors: HTTP-only keys on a tcp check", "[config][health]") {
  // Given path, expect_status and host with type: tcp (before or after them), expect one error
  // at each key: a tcp check would silently ignore them.
  const ConfigErrors errors = loadErrors(kBackends +
                                         "health:\n"
                                         "  active:\n"
                                         "    path: /health\n"      // 4
                                         "    type: tcp\n"          // 5
                                         "    expect_status: 200\n"  // 6
                                         "    host: example.internal\n");  // 7
  INFO(describe(errors));
  REQUIRE(errors.size() == 3);
  const std::vector<std::tuple<int, int, std::string>> expected = {
      {4, 5, "health.active.path: only used by 'type: http' checks, and this one is 'type: tcp'; "
             "remove it or use 'type: http'"},
      {6, 5, "health.active.expect_status: only used by 'type: http' checks"},
      {7, 5, "health.active.host: only used by 'type: http' checks"},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [line, col, text] = expected[i];
    INFO("error " << i);
    CHECK(errors[i].line == line);
    CHECK(errors[i].column == col);
    CHECK_THAT(errors[i].message, Catch::StartsWith(text));
  }
}

TEST_CASE("health errors: passive ejection", "[config][health]") {
  const std::string passive = kBackends + "health:\n  passive:\n";  // the key goes on line 4
  expectOnly(passive + "    consecutive_failures: 0\n", 4, 27,
             "health.passive.consecutive_failures: 0 is out of range (expected 1..1000)");
  expectOnly(passive + "    consecutive_failures: 1001\n", 4, 27, "out of range");
  expectOnly(passive + "    eject_for: 0s\n", 4, 16,
             "health.passive.eject_for: invalid duration '0s': must be greater than 0");
  // Given max below eject_for, expect the error at max_eject_for naming eject_for.
  expectOnly(passive + "    eject_for: 30s\n    max_eject_for: 20s\n", 5, 20,
             "health.passive.max_eject_for: must not be shorter than eject_for (30s)");
  expectOnly(passive + "    max_eject_for: 5s\n", 4, 20,
             "health.passive.max_eject_for: must not be shorter than eject_for (10s, the "
             "default)");
  // Given only eject_for above the default ceiling, expect the error at eject_for.
  expectOnly(passive + "    eject_for: 6m\n", 4, 16,
             "health.passive.eject_for: must not be longer than max_eject_for (5m, the default)");
}

TEST_CASE("health errors: zero-or-duration keys and drain", "[config][health]") {
  expectOnly(kBackends + "health:\n  slow_start: 30\n", 3, 15,
             "health.slow_start: invalid duration '30': a unit is required (use e.g. 250ms, 10s, "
             "2m, 1h); or 0s for none");
  expectOnly(kBackends + "health:\n  slow_start: -1s\n", 3, 15, "invalid duration '-1s'");
  expectOnly(kBackends + "health:\n  slow_start:\n", 3, 3,
             "health.slow_start: expected a duration such as 30s, or 0s for none, got nothing");
  expectOnly(kBackends + "drain:\n  timeout: 00s\n", 3, 12, "invalid duration '00s'");
  expectOnly(kBackends + "drain:\n  timeout: forever\n", 3, 12,
             "drain.timeout: invalid duration 'forever'");
  expectOnly(kBackends + "drain:\n  policy: move\n", 3, 11,
             "drain.policy: invalid value 'move' (expected one of: keep, migrate)");
}

TEST_CASE("health errors: admin listener and token", "[config][health]") {
  expectOnly(kBackends + "admin:\n  listen: localhost:9901\n", 3, 11,
             "admin.listen: invalid address 'localhost:9901': host names are not resolved");
  expectOnly(kBackends + "admin:\n  listen: 127.0.0.1\n", 3, 11, "missing port");
  expectOnly(kBackends + "admin:\n  listen: [127.0.0.1:9901]\n", 3, 11,
             "admin.listen: expected an address such as 127.0.0.1:9901, got a list");
  // Given a non-loopback listener and no token, expect the rule at the listen value.
  for (const std::string address :
       {"0.0.0.0:9901", "10.1.2.3:9901", "\"[::]:9901\"", "\"[::ffff:127.0.0.1]:9901\""}) {
    INFO(address);
    expectOnly(kBackends + "admin:\n  listen: " + address + "\n", 3, 11,
               "admin.listen: a non-loopback admin listener needs admin.token");
  }
  // Given a token that is too short or has a space, expect the reason and never the token.
  for (const std::string token : {"\"short-token\"", "\"\"", "\"0123456789 abcdef\""}) {
    INFO(token);
    const ConfigErrors errors = loadErrors(kBackends + "admin:\n  token: " + token + "\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 3);
    CHECK(errors[0].column == 10);
    CHECK_THAT(errors[0].message, Catch::StartsWith("admin.token: the token must be"));
    CHECK_THAT(errors[0].message, !Catch::Contains("short-token") && !Catch::Contains("abcdef"));
  }
  expectOnly(kBackends + "admin:\n  token: \"short\"\n", 3, 10,
             "admin.token: the token must be at least 16 bytes long (got 5)");
  expectOnly(kBackends + "admin:\n  token: [\"0123456789abcdef\"]\n", 3, 10,
             "admin.token: expected a token of at least 16 printable characters, got a list");
  // Given a refused token on a non-loopback listener, expect only the token's error.
  expectOnly(kBackends + "admin:\n  listen: 0.0.0.0:9901\n  token: short\n", 4, 10,
             "admin.token: the token must be at least 16 bytes long");
}

TEST_CASE("health errors: the admin listener must not share a proxy listener", "[config][health]") {
  // Given admin.listen equal to a listen address, expect the clash at admin.listen, whichever
  // comes first in the file.
  expectOnly(kBackends + "listen: [127.0.0.1:8080, 127.0.0.1:8081]\nadmin:\n"
                         "  listen: 127.0.0.1:8081\n",
             4, 11,
             "admin.listen: 127.0.0.1:8081 clashes with the proxy: the proxy listens on "
             "127.0.0.1:8081 (listen), so the two would compete for the same connections; give "
             "the admin API its own port");
  expectOnly("admin:\n  listen: \"[::1]:8080\"\nlisten: \"[::1]:8080\"\n" + kBackends, 2, 11,
             "admin.listen: [::1]:8080 clashes with the proxy");
  // Given listen absent (127.0.0.1:8080 by default), expect the default listen to count.
  expectOnly(kBackends + "admin: { listen: 127.0.0.1:8080 }\n", 2, 18,
             "admin.listen: 127.0.0.1:8080 clashes with the proxy: the proxy listens on "
             "127.0.0.1:8080");
  // Given a wildcard proxy listener on the admin port, expect the clash too.
  expectOnly(kBackends + "listen: 0.0.0.0:9000\nadmin: { listen: 127.0.0.1:9000 }\n", 3, 18,
             "the proxy listens on 0.0.0.0:9000");
  expectOnly(kBackends + "listen: \"[::]:9000\"\nadmin: { listen: 127.0.0.1:9000 }\n", 3, 18,
             "the proxy listens on [::]:9000");
  // Given the default admin.listen on a proxy port, expect the error at the `admin` key.
  expectOnly(kBackends + "listen: 127.0.0.1:9901\nadmin:\n", 3, 1,
             "admin: the default admin.listen 127.0.0.1:9901 clashes with the proxy: the proxy "
             "listens on 127.0.0.1:9901 (listen)");
}

TEST_CASE("health errors: every mistake in the new sections is reported, in order",
          "[config][health]") {
  // Given one mistake per new section, expect each in document order.
  const ConfigErrors errors = loadErrors("backends:\n"                                   // 1
                                         "  - { address: 127.0.0.1:9001, state: off }\n"  // 2
                                         "health:\n"                                     // 3
                                         "  active: { rise: 0, timeout: 3s }\n"           // 4
                                         "  passive: { eject_for: 1 }\n"                  // 5
                                         "  slow_start: 1x\n"                             // 6
                                         "drain: { policy: drop }\n"                      // 7
                                         "admin: { listen: 0.0.0.0:9901 }\n");           // 8
  INFO(describe(errors));
  const std::vector<std::tuple<int, int, std::string>> expected = {
      {2, 39, "backends[0].state: invalid value 'off'"},
      {4, 19, "health.active.rise: 0 is out of range"},
      {4, 31, "health.active.timeout: must be shorter than interval (2s, the default)"},
      {5, 25, "health.passive.eject_for: invalid duration '1'"},
      {6, 15, "health.slow_start: invalid duration '1x'"},
      {7, 18, "drain.policy: invalid value 'drop'"},
      {8, 18, "admin.listen: a non-loopback admin listener needs admin.token"},
  };
  REQUIRE(errors.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [line, col, text] = expected[i];
    INFO("error " << i);
    CHECK(errors[i].line == line);
    CHECK(errors[i].column == col);
    CHECK_THAT(errors[i].message, Catch::StartsWith(text));
  }
}

TEST_CASE("health: the example in docs/configuration-health.md loads", "[config][health]") {
  // Given the doc's first ```yaml block, expect it to load with every section on.
  std::ifstream in(TETHER_SOURCE_DIR "/docs/configuration-health.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t start = doc.find("```yaml\n");
  REQUIRE(start != std::string::npos);
  const size_t body = start + 8;
  const size_t end = doc.find("```", body);
  REQUIRE(end != std::string::npos);
  const Config c = loadOk(doc.substr(body, end - body));
  CHECK(c.health.active.enabled);
  CHECK(c.health.passive.enabled);
  CHECK(c.health.slow_start == 30s);
  CHECK(c.admin.enabled);
}

TEST_CASE("health: packaging/example.yaml loads", "[config][health]") {
  // Given the shipped commented example, expect it to load with every default.
  const LoadResult r = loadConfigFile(TETHER_SOURCE_DIR "/packaging/example.yaml");
  INFO(describe(r.ok() ? ConfigErrors{} : r.errors()));
  REQUIRE(r.ok());
  const Config& c = r.config();
  CHECK(c.backends[0].state == AdminState::Ready);
  CHECK_FALSE(c.health.active.enabled);
  CHECK_FALSE(c.admin.enabled);
  CHECK(c.drain.policy == DrainConfig::Policy::Keep);
}

} // namespace
} // namespace tether::config
