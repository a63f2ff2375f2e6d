// buildSnapshot from a loaded Config: the router sees the backends in file order, with identities
// (names or default "ip:port") and weights carried over, and routes across them.

#include <catch2/catch.hpp>

#include <set>

#include "config/config_loader.h"
#include "config/snapshot.h"

namespace tether::config {
namespace {

class NoRequest : public routing::RequestView {
public:
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/"; }
  std::optional<std::string_view> headerAt(std::string_view, size_t) const override {
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return "127.0.0.1"; }
};

TEST_CASE("snapshot: built from a loaded config", "[config]") {
  // Given three backends (one unnamed, one IPv6), expect the router's backends in file order with
  // keys = names or the address, the round-robin strategy, and the version recorded.
  LoadResult r = loadConfigString("backends:\n"
                                  "  - { name: app1, address: 127.0.0.1:9001, weight: 2 }\n"
                                  "  - address: 127.0.0.1:9002\n"
                                  "  - address: \"[::1]:9003\"\n",
                                  "snap.yaml");
  REQUIRE(r.ok());
  const SnapshotConstSharedPtr snap = buildSnapshot(r.config(), 7);
  REQUIRE(snap);
  CHECK(snap->version == 7);
  REQUIRE(snap->router);
  const auto& backends = snap->router->backends();
  REQUIRE(backends.size() == 3);
  CHECK(backends[0].key == "app1");
  CHECK(backends[0].host == "127.0.0.1");
  CHECK(backends[0].port == 9001);
  CHECK(backends[0].weight == 2);
  CHECK(backends[1].key == "127.0.0.1:9002");
  CHECK(backends[1].weight == 1);
  CHECK(backends[2].key == "[::1]:9003");
  CHECK(backends[2].host == "::1");
  CHECK(snap->router->strategy().name() == "round_robin");
  CHECK(snap->config.backends.size() == 3);

  // Weights 2,1,1: every backend is reached within one pass of the order (length 4).
  std::set<routing::BackendId> seen;
  NoRequest request;
  for (int i = 0; i < 4; ++i) {
    const auto d = snap->router->route(request, routing::AllUsable());
    REQUIRE(d.found());
    seen.insert(d.backend);
  }
  CHECK(seen == std::set<routing::BackendId>{0, 1, 2});
}

} // namespace
} // namespace tether::config
