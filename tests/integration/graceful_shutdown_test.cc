// Server::shutdown(): stop accepting at once, let requests in flight finish within
// graceful_shutdown, close idle connections without waiting, and leave no libuv handle behind
// (ProxyFixture::stop() REQUIREs loopsClosedCleanly()).
#include <catch2/catch.hpp>

#include <poll.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// Connects repeatedly until a connect is refused or `timeout` passes. Connections that still get
// through (the listener had not closed yet) are dropped at once.
bool waitUntilRefused(uint16_t port, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    TestClient probe(port, ClientOptions{0, 200ms});
    if (!probe.connected() && probe.connectErrno() == ECONNREFUSED) {
      return true;
    }
    // Bounded retry pacing, not ordering: the listener closes on the worker thread.
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST_CASE("Graceful shutdown: the request in flight completes, new connections are refused",
          "[integration]") {
  // Given graceful_shutdown 3 s and a request whose upstream answers after 800 ms, when
  // shutdown() starts while the request is in flight, expect new connections to be refused
  // before that response arrives, the in-flight request to complete with 200 and its body, the
  // client connection then closed, and shutdown() to return soon after.
  FakeUpstream up("alpha");
  Behavior slow = Behavior::respond(200, "finished");
  slow.delay = 800ms;
  up.setBehavior(slow);
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.graceful_shutdown = 3s;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  REQUIRE(c.send(buildRequest("GET", "/in-flight")));
  REQUIRE(up.waitForRequests(1, 1s));

  auto shutdown_start = Clock::now();
  std::atomic<bool> shutdown_done{false};
  std::thread stopper([&] {
    proxy.server().shutdown();
    shutdown_done = true;
  });
  bool refused = waitUntilRefused(proxy.port(), 500ms);
  bool response_already_there = pollOne(c.fd(), POLLIN, 0ms) != 0;
  REQUIRE_COMPLETE(r, c, readFinalResponse(3s));
  auto response_at = Clock::now();
  // The client side of the close: like a browser, hang up once tether has (tether may linger
  // until the client's FIN, and shutdown() waits for that).
  bool closed_after_response = c.isClosedByPeer(1s);
  c.close();
  stopper.join();
  auto shutdown_took = Clock::now() - shutdown_start;

  CHECK(refused);
  CHECK_FALSE(response_already_there);
  CHECK(r->status == 200);
  CHECK(r->body == "finished");
  CHECK(closed_after_response);
  CHECK(response_at - shutdown_start < 2s);
  CHECK(shutdown_took < 2500ms);  // returned once the work was done, not after the full 3 s
  proxy.stop();
}

TEST_CASE("Graceful shutdown does not wait for idle keep-alive connections", "[integration]") {
  // Given graceful_shutdown 3 s, two idle keep-alive client connections and nothing in flight,
  // expect shutdown() to return well before 3 s and both clients to see a close.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.graceful_shutdown = 3s;
  ProxyFixture proxy(cfg);
  TestClient c1 = proxy.connect();
  TestClient c2 = proxy.connect();
  REQUIRE_COMPLETE(r, c1, roundTrip(buildRequest("GET", "/")));
  auto start = Clock::now();
  proxy.stop();
  CHECK(Clock::now() - start < 1s);
  CHECK(c1.isClosedByPeer(1s));
  CHECK(c2.isClosedByPeer(1s));
}

TEST_CASE("Graceful shutdown gives up on a request after graceful_shutdown", "[integration]") {
  // Given graceful_shutdown 300 ms and a request stuck on a hanging upstream, expect shutdown()
  // to return within ~1 s (not after upstream_response), the client connection closed, and the
  // loops closed cleanly.
  FakeUpstream up("alpha");
  up.setBehavior(Behavior::of(Behavior::Action::Hang));
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.graceful_shutdown = 300ms;
  cfg.timeouts.upstream_response = 10s;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  REQUIRE(c.send(buildRequest("GET", "/stuck")));
  REQUIRE(up.waitForRequests(1, 1s));
  auto start = Clock::now();
  proxy.stop();
  auto took = Clock::now() - start;
  CHECK(took >= 200ms);
  CHECK(took < 1500ms);
  CHECK(c.isClosedByPeer(1s));
  CHECK(up.waitForPeerClosed(1, 1s));
}

TEST_CASE("shutdown() is idempotent and a second Server can start afterwards",
          "[integration]") {
  // Given a fixture stopped twice, expect no error; and a new Server on port 0 afterwards serves.
  FakeUpstream up("alpha");
  {
    ProxyFixture first(ProxyFixture::configFor({&up}));
    first.server().shutdown();
    first.stop();
  }
  ProxyFixture second(ProxyFixture::configFor({&up}));
  TestClient c = second.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/")));
  CHECK(r->status == 200);
}

} // namespace
} // namespace tether::test
