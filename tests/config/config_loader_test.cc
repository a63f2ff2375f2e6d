// loadConfigString / loadConfigFile, accepting side: the documented example parses to the values
// it says, absent keys keep the documented defaults, and the value forms the README promises
// (listen as string or list, workers: auto, IPv6, default names) all work.

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "config/config_loader.h"
#include "tests/config/config_test_util.h"

namespace tether::config {
namespace {

using namespace std::chrono_literals;
using namespace tether::config::test;

const char* const kFullExample =
    "listen: 127.0.0.1:8080\n"
    "workers: auto\n"
    "backends:\n"
    "  - { name: app1, address: 127.0.0.1:9001, weight: 1 }\n"
    "  - { name: app2, address: \"[::1]:9002\", weight: 3 }\n"
    "  - { address: 10.0.0.7:80 }\n"
    "routing:\n"
    "  strategy: round_robin\n"
    "timeouts: { client_header: 10s, client_idle: 60s, connect: 2s, upstream_response: 30s,"
    " graceful_shutdown: 10s }\n"
    "limits: { max_header_bytes: 16384, max_body_bytes: 0, max_connections: 10000 }\n"
    "upstream: { max_idle_per_backend: 64, idle_timeout: 30s }\n"
    "forwarding: { x_forwarded_for: true, trusted_proxies: [10.0.0.0/8, \"::1\"] }\n"
    "logging: { level: info, access_log: stdout, format: text }\n";

TEST_CASE("loader: the full documented example", "[config]") {
  // Given every section of the README example, expect each value where the example puts it.
  const Config c = loadOk(kFullExample);
  CHECK(c.source_path.empty());
  REQUIRE(c.listen.size() == 1);
  CHECK(c.listen[0].toString() == "127.0.0.1:8080");
  CHECK(c.workers == 0);
  REQUIRE(c.backends.size() == 3);
  CHECK(c.backends[0].name == "app1");
  CHECK(c.backends[0].address.toString() == "127.0.0.1:9001");
  CHECK(c.backends[0].weight == 1);
  CHECK(c.backends[1].name == "app2");
  CHECK(c.backends[1].address.host == "::1");
  CHECK(c.backends[1].address.port == 9002);
  CHECK(c.backends[1].weight == 3);
  CHECK(c.backends[2].name == "10.0.0.7:80");
  CHECK(c.backends[2].weight == 1);
  CHECK(c.routing.strategy == routing::StrategyKind::RoundRobin);
  CHECK(c.timeouts.client_header == 10s);
  CHECK(c.timeouts.client_idle == 60s);
  CHECK(c.timeouts.connect == 2s);
  CHECK(c.timeouts.upstream_response == 30s);
  CHECK(c.timeouts.graceful_shutdown == 10s);
  CHECK(c.limits.max_header_bytes == 16384);
  CHECK(c.limits.max_body_bytes == 0);
  CHECK(c.limits.max_connections == 10000);
  CHECK(c.upstream.max_idle_per_backend == 64);
  CHECK(c.upstream.idle_timeout == 30s);
  CHECK(c.upstream.receive_buffer == 262144);
  CHECK(c.upstream.retries == 2);
  CHECK(c.forwarding.x_forwarded_for);
  REQUIRE(c.forwarding.trusted_proxies.size() == 2);
  const auto ip = [](const char* s) { return *routing::IpAddress::parse(s); };
  CHECK(c.forwarding.trusted_proxies[0].contains(ip("10.1.2.3")));
  CHECK_FALSE(c.forwarding.trusted_proxies[0].contains(ip("11.1.2.3")));
  CHECK(c.forwarding.trusted_proxies[1].contains(ip("::1")));
  CHECK(c.logging.level == LoggingConfig::Level::Info);
  CHECK(c.logging.access_log == "stdout");
  CHECK(c.logging.format == LoggingConfig::Format::Text);
}

TEST_CASE("loader: non-default values land in the right fields", "[config]") {
  // Given a value different from its default for every field, expect each one stored.
  const Config c = loadOk("listen: [\"0.0.0.0:80\", \"[::]:8443\"]\n"
                          "workers: 4\n"
                          "backends:\n"
                          "  - address: 127.0.0.1:9001\n"
                          "    weight: 1000\n"
                          "timeouts:\n"
                          "  client_header: 250ms\n"
                          "  client_idle: 2m\n"
                          "  connect: 1h\n"
                          "  upstream_response: 45s\n"
                          "  graceful_shutdown: 3s\n"
                          "limits: { max_header_bytes: 1024, max_body_bytes: 18446744073709551615,"
                          " max_connections: 1000000 }\n"
                          "upstream: { max_idle_per_backend: 0, idle_timeout: 5m, receive_buffer: 0, retries: 7 }\n"
                          "forwarding: { x_forwarded_for: false, trusted_proxies: [] }\n"
                          "logging: { level: off, access_log: /var/log/tether/access.log,"
                          " format: json }\n");
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].toString() == "0.0.0.0:80");
  CHECK(c.listen[1].toString() == "[::]:8443");
  CHECK(c.workers == 4);
  CHECK(c.backends[0].weight == 1000);
  CHECK(c.timeouts.client_header == 250ms);
  CHECK(c.timeouts.client_idle == 2min);
  CHECK(c.timeouts.connect == 1h);
  CHECK(c.timeouts.upstream_response == 45s);
  CHECK(c.timeouts.graceful_shutdown == 3s);
  CHECK(c.limits.max_header_bytes == 1024);
  CHECK(c.limits.max_body_bytes == UINT64_MAX);
  CHECK(c.limits.max_connections == 1000000);
  CHECK(c.upstream.max_idle_per_backend == 0);
  CHECK(c.upstream.idle_timeout == 5min);
  CHECK(c.upstream.receive_buffer == 0);
  CHECK(c.upstream.retries == 7);
  CHECK_FALSE(c.forwarding.x_forwarded_for);
  CHECK(c.forwarding.trusted_proxies.empty());
  CHECK(c.logging.level == LoggingConfig::Level::Off);
  CHECK(c.logging.access_log == "/var/log/tether/access.log");
  CHECK(c.logging.format == LoggingConfig::Format::Json);
}

TEST_CASE("loader: absent keys keep the documented defaults", "[config]") {
  // Given only the required backends list, expect every other field at its model default and
  // listen at 127.0.0.1:8080.
  const Config c = loadOk("backends:\n  - address: 127.0.0.1:9001\n");
  const Config defaults;
  REQUIRE(c.listen.size() == 1);
  CHECK(c.listen[0].toString() == "127.0.0.1:8080");
  CHECK(c.workers == 0);
  REQUIRE(c.backends.size() == 1);
  CHECK(c.backends[0].name == "127.0.0.1:9001");
  CHECK(c.backends[0].weight == 1);
  CHECK(c.routing.strategy == routing::StrategyKind::RoundRobin);
  CHECK(c.timeouts.client_header == defaults.timeouts.client_header);
  CHECK(c.timeouts.client_idle == defaults.timeouts.client_idle);
  CHECK(c.timeouts.connect == defaults.timeouts.connect);
  CHECK(c.timeouts.upstream_response == defaults.timeouts.upstream_response);
  CHECK(c.timeouts.graceful_shutdown == defaults.timeouts.graceful_shutdown);
  CHECK(c.limits.max_header_bytes == 16384);
  CHECK(c.limits.max_body_bytes == 0);
  CHECK(c.limits.max_connections == 10000);
  CHECK(c.upstream.max_idle_per_backend == 64);
  CHECK(c.upstream.idle_timeout == 30s);
  CHECK(c.forwarding.x_forwarded_for);
  CHECK(c.forwarding.trusted_proxies.empty());
  CHECK(c.logging.level == LoggingConfig::Level::Info);
  CHECK(c.logging.access_log == "stdout");
  CHECK(c.logging.format == LoggingConfig::Format::Text);

  // Given empty sections, expect the same defaults (a section may be present but empty).
  const Config empty = loadOk("backends: [{address: 127.0.0.1:9001}]\ntimeouts: {}\nlimits: {}\n");
  CHECK(empty.timeouts.connect == 2s);
  CHECK(empty.limits.max_connections == 10000);
}

TEST_CASE("loader: listen as a string or a list", "[config]") {
  // Given listen as one string, expect one address; as a list, expect all of them in order.
  const std::string backends = "backends: [{address: 127.0.0.1:9001}]\n";
  const Config one = loadOk("listen: 127.0.0.1:0\n" + backends);
  REQUIRE(one.listen.size() == 1);
  CHECK(one.listen[0].port == 0);
  const Config many = loadOk("listen:\n  - 127.0.0.1:0\n  - 127.0.0.1:0\n  - \"[::1]:8080\"\n" +
                             backends);
  REQUIRE(many.listen.size() == 3);
  CHECK(many.listen[2].host == "::1");
  CHECK(many.listen[2].port == 8080);
}

TEST_CASE("loader: workers is auto or a number", "[config]") {
  // Given "auto", expect 0 (one per core); given 1 and 256, expect them.
  const std::string backends = "backends: [{address: 127.0.0.1:9001}]\n";
  CHECK(loadOk("workers: auto\n" + backends).workers == 0);
  CHECK(loadOk("workers: 1\n" + backends).workers == 1);
  CHECK(loadOk("workers: 256\n" + backends).workers == 256);
}

TEST_CASE("loader: IPv6 backends and default names", "[config]") {
  // Given IPv6 backends without names, expect canonical "[host]:port" names; given the same
  // address under two names, expect both accepted.
  const Config c = loadOk("backends:\n"
                          "  - address: \"[::1]:9001\"\n"
                          "  - address: \"[2001:0db8:0000::0001]:9002\"\n"
                          "  - { name: a, address: 127.0.0.1:9003 }\n"
                          "  - { name: b, address: 127.0.0.1:9003 }\n");
  REQUIRE(c.backends.size() == 4);
  CHECK(c.backends[0].name == "[::1]:9001");
  CHECK(c.backends[1].name == "[2001:db8::1]:9002");
  CHECK(c.backends[1].address.host == "2001:db8::1");
  CHECK(c.backends[2].address.toString() == c.backends[3].address.toString());
}

TEST_CASE("loader: comments, anchors and a trailing document marker are fine", "[config]") {
  // Given ordinary YAML conveniences, expect them to behave as YAML says.
  const Config c = loadOk("# tether config\n"
                          "backends:\n"
                          "  - &base { name: a, address: 127.0.0.1:9001, weight: 2 }\n"
                          "  - { name: b, address: 127.0.0.1:9002 }  # second\n"
                          "---\n");
  REQUIRE(c.backends.size() == 2);
  CHECK(c.backends[0].weight == 2);
}

std::string tempPath() {
  static int n = 0;
  const std::string name = "tether_config_test_" + std::to_string(::getpid()) + "_" +
                           std::to_string(n++) + ".yaml";
  return (std::filesystem::temp_directory_path() / name).string();
}

TEST_CASE("loadConfigFile: reads a file and remembers its path", "[config]") {
  // Given the example written to a temp file, expect the same Config with source_path set.
  const std::string path = tempPath();
  {
    std::ofstream out(path);
    out << kFullExample;
  }
  LoadResult r = loadConfigFile(path);
  std::remove(path.c_str());
  INFO(describe(r));
  REQUIRE(r.ok());
  CHECK(r.config().source_path == path);
  CHECK(r.config().backends.size() == 3);
}

TEST_CASE("loadConfigFile: errors carry the file's path", "[config]") {
  // Given a file with a bad duration on line 2, expect the error positioned in that file.
  const std::string path = tempPath();
  {
    std::ofstream out(path);
    out << "backends: [{address: 127.0.0.1:9001}]\ntimeouts: { connect: 10x }\n";
  }
  LoadResult r = loadConfigFile(path);
  std::remove(path.c_str());
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors().size() == 1);
  CHECK(r.errors()[0].toString() ==
        path + ":2:22: timeouts.connect: invalid duration '10x' (use e.g. 250ms, 10s, 2m, 1h)");
}

TEST_CASE("loadConfigFile: an unreadable file is one error at 0:0", "[config]") {
  // Given a path that does not exist, expect "cannot read: No such file or directory" at 0:0.
  const std::string missing = tempPath() + ".missing";
  LoadResult r = loadConfigFile(missing);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors().size() == 1);
  CHECK(r.errors()[0].file == missing);
  CHECK(r.errors()[0].line == 0);
  CHECK(r.errors()[0].column == 0);
  CHECK(r.errors()[0].message == "cannot read: No such file or directory");

  // Given a directory, expect the read error (fopen alone succeeds on one).
  LoadResult dir = loadConfigFile(std::filesystem::temp_directory_path().string());
  REQUIRE_FALSE(dir.ok());
  REQUIRE(dir.errors().size() == 1);
  CHECK(dir.errors()[0].message == "cannot read: Is a directory");
}

} // namespace
} // namespace tether::config
