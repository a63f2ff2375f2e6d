// Connect failures go to the next candidate (upstream.retries): nothing reached the failed
// backend, so any method may be retried there, and the session is re-placed and re-bound.
#include <catch2/catch.hpp>

#include <set>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

config::Config twoBackendsOneRefusing(FakeUpstream& good, uint16_t refused_port, uint32_t retries) {
  auto cfg = ProxyFixture::makeConfig(
      {ProxyFixture::backendAt("dead", refused_port), ProxyFixture::backend(good)});
  ProxyFixture::stickByHeader(cfg, "X-Session-Id", routing::StrategyKind::Rendezvous);
  cfg.upstream.retries = retries;
  return cfg;
}

TEST_CASE("Retry: a refused connect goes to the next candidate, for any method", "[integration]") {
  // Given one backend refusing connections and 40 sessions (about half of them placed on it
  // first), expect every request answered by the live upstream, POSTs included, and each
  // session then bound there.
  FakeUpstream good("good");
  const uint16_t refused = refusedPort();
  REQUIRE(refused != 0);
  ProxyFixture proxy(twoBackendsOneRefusing(good, refused, 2));
  TestClient client = proxy.connect();
  for (int i = 0; i < 40; ++i) {
    const std::string id = "s" + std::to_string(i);
    const char* method = i % 2 ? "POST" : "GET";
    auto r = client.roundTrip(buildRequest(method, "/", {{"X-Session-Id", id}}));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Upstream") == "good");
  }
  CHECK(good.requestCount() == 40);
}

TEST_CASE("Retry: with retries 0 a refused connect is a 502", "[integration]") {
  // Given retries 0, expect at least one of 20 sessions (those placed on the dead backend) to get
  // 502, and the others 200.
  FakeUpstream good("good");
  const uint16_t refused = refusedPort();
  REQUIRE(refused != 0);
  ProxyFixture proxy(twoBackendsOneRefusing(good, refused, 0));
  std::set<int> statuses;
  for (int i = 0; i < 20; ++i) {
    TestClient client = proxy.connect();
    auto r = client.roundTrip(buildRequest("GET", "/", {{"X-Session-Id", "k" + std::to_string(i)}}));
    REQUIRE(r);
    statuses.insert(r->status);
  }
  CHECK(statuses == std::set<int>{200, 502});
}

} // namespace
} // namespace tether::test
