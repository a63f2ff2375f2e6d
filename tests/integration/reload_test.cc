// Server::publish(): a new snapshot takes over for new requests while a request in flight
// finishes on the snapshot (and backend) it started with.
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// Sends requests on fresh connections until one is answered by `name` (publish reaches each
// worker asynchronously), bounded by `timeout`. Returns whether it happened.
bool waitUntilServedBy(const ProxyFixture& proxy, const std::string& name, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    TestClient c = proxy.connect();
    auto r = c.roundTrip(buildRequest("GET", "/probe"));
    if (r && r->headers.get("X-Upstream") == name) {
      return true;
    }
  }
  return false;
}

TEST_CASE("A published snapshot routes new requests to the new backends", "[integration]") {
  // Given tether on backend a, when a snapshot with only backend b is published, expect new
  // requests to reach b within a short time and then only b (with 2 workers, so every worker
  // got the snapshot).
  FakeUpstream a("a");
  FakeUpstream b("b");
  auto cfg = ProxyFixture::configFor({&a});
  cfg.workers = 2;
  ProxyFixture proxy(cfg);
  {
    TestClient c = proxy.connect();
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/before")));
    CHECK(r->headers.get("X-Upstream") == "a");
  }
  auto next = ProxyFixture::configFor({&b});
  next.workers = 2;
  proxy.server().publish(config::buildSnapshot(next, 2));
  REQUIRE(waitUntilServedBy(proxy, "b", 2s));
  // Every worker got the snapshot at about the same moment (one async wake-up each); a full round
  // trip later, no worker may still route to a.
  size_t a_before = a.requestCount();
  int from_b = 0;
  for (int i = 0; i < 10; ++i) {
    TestClient c = proxy.connect();
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/after")));
    from_b += r->headers.get("X-Upstream") == "b" ? 1 : 0;
  }
  CHECK(from_b == 10);
  CHECK(a.requestCount() == a_before);
}

TEST_CASE("A request in flight during publish finishes on its old backend", "[integration]") {
  // Given a request on backend a that takes 300 ms, when a snapshot with only b is published
  // meanwhile, expect that request answered 200 by a, and later requests served by b.
  FakeUpstream a("a");
  FakeUpstream b("b");
  Behavior slow = Behavior::respond(200, "from a");
  slow.delay = 300ms;
  a.setBehavior(slow);
  ProxyFixture proxy(ProxyFixture::configFor({&a}));
  TestClient c = proxy.connect();
  REQUIRE(c.send(buildRequest("GET", "/slow")));
  REQUIRE(a.waitForRequests(1, 1s));
  proxy.server().publish(config::buildSnapshot(ProxyFixture::configFor({&b}), 2));
  REQUIRE_COMPLETE(r, c, readFinalResponse());
  CHECK(r->status == 200);
  CHECK(r->headers.get("X-Upstream") == "a");
  CHECK(r->body == "from a");
  CHECK(waitUntilServedBy(proxy, "b", 2s));
}

} // namespace
} // namespace tether::test
