// Protocol features where tether itself takes part: Expect: 100-continue (tether answers the
// 100 and does not forward Expect) and Upgrade (101, then a raw two-way tunnel).
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("Expect: 100-continue is answered by tether and the body reaches the upstream",
          "[integration]") {
  // Given a POST head with Expect: 100-continue and no body yet, expect "HTTP/1.1 100 Continue"
  // before anything else; after the body is sent, a final 200, and the upstream saw the body
  // and no Expect header.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE(c.send(buildRequest("POST", "/upload",
                              {{"Content-Length", "11"}, {"Expect", "100-continue"}})));
  REQUIRE_READ(interim, c, readResponse());
  CHECK(interim->status == 100);
  CHECK(interim->version == "HTTP/1.1");
  CHECK(interim->body.empty());
  REQUIRE(c.send("hello world"));
  REQUIRE_COMPLETE(r, c, readFinalResponse());
  CHECK(r->status == 200);
  CHECK(r->interim.empty());  // exactly one 100 was sent
  REQUIRE(up.waitForRequests(1, 1s));
  auto seen = up.requests().at(0);
  CHECK(seen.body == "hello world");
  CHECK_FALSE(seen.headers.has("Expect"));
  CHECK(seen.headers.get("Content-Length") == "11");
}

TEST_CASE("Expect: 100-continue with a chunked body", "[integration]") {
  // Given Expect with a chunked body sent after the 100, expect the decoded body upstream and
  // the connection usable for a next request.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE(c.send(buildRequest("POST", "/upload",
                              {{"Transfer-Encoding", "chunked"}, {"Expect", "100-continue"}})));
  REQUIRE_READ(interim, c, readResponse());
  CHECK(interim->status == 100);
  REQUIRE(c.send(encodeChunked("chunked body", 5)));
  REQUIRE_COMPLETE(r, c, readFinalResponse());
  CHECK(r->status == 200);
  CHECK(up.requests().at(0).body == "chunked body");
  REQUIRE_COMPLETE(r2, c, roundTrip(buildRequest("GET", "/after")));
  CHECK(r2->status == 200);
}

TEST_CASE("Upgrade: 101 from the upstream opens a two-way tunnel", "[integration]") {
  // Given GET /ws with Connection: Upgrade and Upgrade: websocket, expect the upstream to see
  // both headers, the client to get 101 with Upgrade, and bytes to be echoed through the tunnel
  // in both directions, several times; closing the client's write side ends the tunnel.
  FakeUpstream up("alpha");
  up.setBehavior(Behavior::of(Behavior::Action::Upgrade));
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_READ(r, c, roundTrip(buildRequest("GET", "/ws",
                                            {{"Connection", "Upgrade"},
                                             {"Upgrade", "websocket"},
                                             {"Sec-WebSocket-Version", "13"}})));
  CHECK(r->status == 101);
  CHECK(r->headers.hasToken("Connection", "upgrade"));
  CHECK(r->headers.get("Upgrade") == "websocket");
  REQUIRE(up.waitForRequests(1, 1s));
  auto seen = up.requests().at(0);
  CHECK(seen.headers.hasToken("Connection", "upgrade"));
  CHECK(seen.headers.get("Upgrade") == "websocket");
  CHECK(seen.headers.get("Sec-WebSocket-Version") == "13");

  for (std::string msg : {std::string("ping"), std::string("\x81\x05hello", 7),
                          patternBody(200 * 1024)}) {
    REQUIRE(c.send(msg));
    auto echoed = c.readExactly(msg.size(), 5s);
    INFO(c.lastError());
    REQUIRE(echoed);
    CHECK(*echoed == msg);
  }
  c.shutdownWrite();
  CHECK(c.isClosedByPeer(2s));
  CHECK(c.buffered().empty());
}

TEST_CASE("Upgrade refused by the upstream stays plain HTTP", "[integration]") {
  // Given an Upgrade request the upstream answers with a normal 200, expect the 200 and a
  // connection that still works as HTTP.
  FakeUpstream up("alpha");
  up.setBehavior(Behavior::respond(200, "no upgrade"));
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/ws",
                                                {{"Connection", "Upgrade"},
                                                 {"Upgrade", "websocket"}})));
  CHECK(r->status == 200);
  CHECK(r->body == "no upgrade");
  // The connection either stays usable as HTTP or is closed; it must never turn into a tunnel.
  if (c.send(buildRequest("GET", "/plain"))) {
    auto r2 = c.readFinalResponse();
    if (r2) {
      CHECK(r2->status == 200);
      CHECK(r2->body == "no upgrade");
    } else {
      CHECK(c.peerClosed());
    }
  }
}

} // namespace
} // namespace tether::test
