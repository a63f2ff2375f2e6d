// Client-side timeouts: a head trickled slower than timeouts.client_header is cut off (408 or a
// close), and an idle keep-alive connection is closed after timeouts.client_idle.
//
// Timing-sensitive by nature: the bounds below are deliberately loose (a 300 ms timeout must fire
// within 1.5 s and not before ~150 ms) so a loaded CI machine does not flake them.
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

constexpr Millis kShortTimeout = 300ms;
constexpr Millis kUpperBound = 1500ms;

TEST_CASE("Slowloris: a head trickled past client_header gets 408 or a close", "[integration]") {
  // Given client_header 300 ms and a head sent one byte every 50 ms (it would take ~3 s), expect
  // tether to answer 408 or close within ~1 s of the first byte, before the head is complete,
  // and the upstream to see nothing.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.client_header = kShortTimeout;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  std::string head = buildRequest("GET", "/slow", {{"X-Padding", std::string(30, 'p')}});
  auto start = Clock::now();
  bool finished = c.sendTrickled(head, 50ms);
  auto elapsed = Clock::now() - start;
  CAPTURE(c.bytesTrickled(), head.size());
  CHECK_FALSE(finished);
  CHECK(elapsed < kUpperBound);
  CHECK(elapsed >= kShortTimeout / 2);
  auto r = c.readResponse(1s);
  if (r) {
    CHECK(r->status == 408);
  }
  CHECK(c.isClosedByPeer(1s));
  CHECK(up.requestCount() == 0);
}

TEST_CASE("client_header bounds the whole head, not each read", "[integration]") {
  // Given client_header 300 ms and a head whose bytes each arrive well within 300 ms of the
  // previous one (every 100 ms), expect the connection cut within ~1 s anyway: the timeout runs
  // from the first byte to the end of the head, it is not reset by every read.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.client_header = kShortTimeout;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  auto start = Clock::now();
  CHECK_FALSE(c.sendTrickled(buildRequest("GET", "/slow2"), 100ms));
  CHECK(Clock::now() - start < kUpperBound);
  CHECK(c.isClosedByPeer(1s));
  CHECK(up.requestCount() == 0);
}

TEST_CASE("client_header also bounds the next head on a keep-alive connection", "[integration]") {
  // Given client_header 300 ms, client_idle 10 s and a connection that already completed one
  // exchange, expect a second head trickled one byte every 50 ms to get 408 or a close within
  // ~1 s: the header timeout takes over from the idle one at the first byte of the next request.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.client_header = kShortTimeout;
  cfg.timeouts.client_idle = 10s;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(first, c, roundTrip(buildRequest("GET", "/first")));
  CHECK(first->status == 200);
  std::string head = buildRequest("GET", "/slow", {{"X-Padding", std::string(30, 'p')}});
  auto start = Clock::now();
  CHECK_FALSE(c.sendTrickled(head, 50ms));
  CHECK(Clock::now() - start < kUpperBound);
  auto r = c.readResponse(1s);
  if (r) {
    CHECK(r->status == 408);
  }
  CHECK(c.isClosedByPeer(1s));
  CHECK(up.requestCount() == 1);
}

TEST_CASE("A connection that never sends anything is closed", "[integration]") {
  // Given client_header and client_idle 300 ms and a client that connects and stays silent,
  // expect tether to close it within ~1 s (a silent connection must not be held forever).
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.client_header = kShortTimeout;
  cfg.timeouts.client_idle = kShortTimeout;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  auto start = Clock::now();
  CHECK(c.isClosedByPeer(2s));
  CHECK(Clock::now() - start < kUpperBound);
}

TEST_CASE("Idle keep-alive connections are closed after client_idle", "[integration]") {
  // Given client_idle 300 ms, expect a connection that just got a response to stay open for a
  // while (keep-alive works) and then be closed without a response after ~300 ms.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.client_idle = kShortTimeout;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/")));
  auto start = Clock::now();
  CHECK(c.isClosedByPeer(2s));
  auto elapsed = Clock::now() - start;
  CHECK(elapsed >= kShortTimeout / 2);
  CHECK(elapsed < kUpperBound);
  CHECK(c.buffered().empty());
}

TEST_CASE("Activity keeps a keep-alive connection open past client_idle", "[integration]") {
  // Given client_idle 300 ms and requests every 150 ms for ~900 ms, expect every request answered
  // on the same connection: the idle timer restarts after each response.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.client_idle = kShortTimeout;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  for (int i = 0; i < 6; ++i) {
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/tick")));
    CHECK(r->status == 200);
    CHECK(c.staysQuiet(150ms));
  }
}

} // namespace
} // namespace tether::test
