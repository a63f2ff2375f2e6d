// Streaming and backpressure: a large response to a client that is not reading must not be
// buffered whole inside tether; the upstream's writes have to block (tether stops reading it
// once its downstream write queue passes the high-water mark, so its memory stays bounded).
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// Sizing. The kernel alone can absorb a lot on loopback: tether's socket to the client may
// autotune its send buffer up to net.ipv4.tcp_wmem[2] (4 MiB here) and its socket from the
// upstream its receive buffer while it was still reading fast. So the body is much larger than
// those buffers together and the bound is loose: an unbounded tether would swallow the whole
// body and the upstream would never stall at all.
constexpr size_t kBodyBytes = 32u << 20;
constexpr uint64_t kMaxInFlightBytes = 12u << 20;
constexpr int kSmallSocketBuffer = 64 * 1024;

TEST_CASE("Backpressure: a client that does not read stalls the upstream", "[integration]") {
  // Given a 32 MiB response and a client with a 64 KiB receive buffer that sends its request and
  // then reads nothing, expect the upstream's writes to stall with far less than the body sent;
  // then the client reads the whole body intact.
  FakeUpstream up("alpha");
  Behavior big;
  big.generated_body_bytes = kBodyBytes;
  big.sndbuf = kSmallSocketBuffer;
  up.setBehavior(big);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect(ClientOptions{kSmallSocketBuffer});
  REQUIRE(c.send(buildRequest("GET", "/big")));
  REQUIRE(up.waitForWriteStall(5s));
  uint64_t at_stall = up.bodyBytesSent();
  UNSCOPED_INFO("upstream body bytes sent when its writes stalled: " << at_stall);
  CHECK(at_stall < kMaxInFlightBytes);

  REQUIRE_COMPLETE(r, c, readFinalResponse(20s));
  CHECK(r->status == 200);
  CHECK(r->body.size() == kBodyBytes);
  CHECK(matchesPattern(r->body));
}

TEST_CASE("Streaming: a steadily slow reader gets the whole body", "[integration]") {
  // Given a 4 MiB chunked response and a client reading it in 64 KiB pieces, expect every byte
  // in order and the connection usable for another request.
  FakeUpstream up("alpha");
  Behavior big;
  big.generated_body_bytes = 4u << 20;
  big.framing = Behavior::Framing::Chunked;
  up.setBehavior(big);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect(ClientOptions{kSmallSocketBuffer});
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/chunked-big"), 20s));
  CHECK(r->body.size() == (4u << 20));
  CHECK(matchesPattern(r->body));
  up.setBehavior(Behavior::respond(200, "small"));
  REQUIRE_COMPLETE(r2, c, roundTrip(buildRequest("GET", "/small")));
  CHECK(r2->body == "small");
}

TEST_CASE("Backpressure: a client that goes away mid-body frees the upstream", "[integration]") {
  // Given a 32 MiB response that has stalled against a non-reading client, when the client
  // closes, expect tether to close the upstream connection too (not keep draining it for
  // nobody), and later requests to work.
  FakeUpstream up("alpha");
  Behavior big;
  big.generated_body_bytes = kBodyBytes;
  big.sndbuf = kSmallSocketBuffer;
  up.pushBehavior(big);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  {
    TestClient c = proxy.connect(ClientOptions{kSmallSocketBuffer});
    REQUIRE(c.send(buildRequest("GET", "/big")));
    REQUIRE(up.waitForWriteStall(5s));
  }
  CHECK(up.waitForPeerClosed(1, 3s));
  TestClient next = proxy.connect();
  REQUIRE_COMPLETE(r, next, roundTrip(buildRequest("GET", "/next")));
  CHECK(r->body == "ok");
}

} // namespace
} // namespace tether::test
