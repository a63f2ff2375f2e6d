// Backend state is read at pick time: a backend that is not ready is skipped without rebuilding
// anything, no usable backend at all is 503, and states survive a publish by backend name.
#include <catch2/catch.hpp>

#include "health/backend_view.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using health::BackendState;

TEST_CASE("No usable backend maps to 503 and recovery needs no restart", "[integration]") {
  // Given the only backend marked down, expect 503 with Connection: close and the upstream never
  // contacted; once it is ready again, a new client is served.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  proxy.server().backendView().set(0, BackendState::Down);
  {
    TestClient c = proxy.connect();
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/none")));
    CHECK(r->status == 503);
    CHECK(c.isClosedByPeer());
  }
  CHECK(up.requestCount() == 0);
  proxy.server().backendView().set(0, BackendState::Ready);
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/back")));
  CHECK(r->status == 200);
  CHECK(up.requestCount() == 1);
}

TEST_CASE("A backend in drain or maintenance gets no new requests", "[integration]") {
  // Given alpha draining and gamma in maintenance, expect every request on beta.
  FakeUpstream alpha("alpha"), beta("beta"), gamma("gamma");
  ProxyFixture proxy(ProxyFixture::configFor({&alpha, &beta, &gamma}));
  proxy.server().backendView().set(0, BackendState::Draining);
  proxy.server().backendView().set(2, BackendState::Maintenance);
  TestClient c = proxy.connect();
  for (int i = 0; i < 6; ++i) {
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/x")));
    CHECK(r->headers.get("X-Upstream") == "beta");
  }
  CHECK(alpha.requestCount() == 0);
  CHECK(gamma.requestCount() == 0);
}

TEST_CASE("Backend states carry over a publish by name, not by position", "[integration]") {
  // Given beta down, then a new snapshot listing the backends in another order plus a new one,
  // expect beta still down (found by name) and the new backend ready.
  FakeUpstream alpha("alpha"), beta("beta"), delta("delta");
  ProxyFixture proxy(ProxyFixture::configFor({&alpha, &beta}));
  proxy.server().backendView().set(1, BackendState::Down);
  auto cfg = ProxyFixture::makeConfig(
      {ProxyFixture::backend(delta), ProxyFixture::backend(beta), ProxyFixture::backend(alpha)});
  cfg.listen = proxy.config().listen;
  proxy.server().publish(config::buildSnapshot(cfg, 2));
  auto& states = proxy.server().backendView();
  CHECK(states.get(0) == BackendState::Ready);  // delta, new
  CHECK(states.get(1) == BackendState::Down);   // beta, carried over
  CHECK(states.get(2) == BackendState::Ready);  // alpha
}

} // namespace
} // namespace tether::test
