#pragma once
// Helpers for the tests that reload tether from a file: the config file, loading it, visiting
// sessions keyed by the X-Session header, and POST /reload. Catch2 assertions inside; test-only.

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {

struct YamlBackend {
  std::string name;
  uint16_t port = 0;
  uint32_t weight = 1;
};

// The routing section yaml() writes unless told otherwise: a ring keyed by X-Session with a
// stick table.
inline const std::string kRingRouting = "routing:\n"
                                        "  strategy: ring\n"
                                        "  key:\n"
                                        "    - header: X-Session\n"
                                        "  stick_table: {}\n";

// tether's config as a file: the given backends, `routing` (a whole `routing:` section), short
// timeouts, an admin listener on a free port unless `admin` is false, and quiet logs (`level`).
inline std::string yaml(const std::vector<YamlBackend>& backends, uint16_t listen_port = 0,
                        bool admin = true, uint32_t workers = 1,
                        const std::string& routing = kRingRouting,
                        const std::string& level = "error") {
  std::string y = "listen: [\"127.0.0.1:" + std::to_string(listen_port) + "\"]\n";
  y += "workers: " + std::to_string(workers) + "\n";
  y += "backends:\n";
  for (const auto& b : backends) {
    y += "  - name: " + b.name + "\n";
    y += "    address: \"127.0.0.1:" + std::to_string(b.port) + "\"\n";
    y += "    weight: " + std::to_string(b.weight) + "\n";
  }
  y += routing;
  y += "timeouts:\n"
       "  connect: 1s\n"
       "  upstream_response: 3s\n"
       "  client_idle: 5s\n"
       "  graceful_shutdown: 1s\n";
  if (admin) y += "admin:\n  listen: \"127.0.0.1:0\"\n";
  y += "logging:\n"
       "  level: " + level + "\n"
       "  access_log: \"off\"\n";
  return y;
}

inline config::Config loadFile(const std::string& path) {
  auto loaded = config::loadConfigFile(path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors()) UNSCOPED_INFO(e.toString());
  }
  REQUIRE(loaded.ok());
  REQUIRE(loaded.config().source_path == path);
  return std::move(loaded.config());
}

inline std::string visit(TestClient& c, const std::string& key) {
  INFO("session " << key);
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/page", {{"X-Session", key}})));
  REQUIRE(r->status == 200);
  return r->headers.get("X-Upstream").value_or("");
}

inline std::map<std::string, std::string> visitAll(TestClient& c, const std::string& prefix, int n) {
  std::map<std::string, std::string> where;
  for (int i = 0; i < n; ++i) {
    const std::string k = prefix + std::to_string(i);
    where[k] = visit(c, k);
  }
  return where;
}

inline int countOn(const std::map<std::string, std::string>& where, const std::string& backend) {
  int n = 0;
  for (const auto& [k, b] : where) n += b == backend ? 1 : 0;
  return n;
}

// POST /reload; REQUIREs `status` and returns the JSON answer.
inline Json reload(const ProxyFixture& proxy, int status) {
  auto r = proxy.adminPost("/reload");
  INFO("POST /reload -> " << r.status << " " << r.body);
  REQUIRE(r.status == status);
  auto j = Json::parse(r.body);
  REQUIRE(j);
  return std::move(*j);
}

} // namespace tether::test
