// Upstream connection reuse safety: a response that was cut short, or whose framing leaves the
// connection in doubt, must end the client connection where needed and must never put that
// upstream connection back in the pool (the next request would read the leftovers).
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;
using Action = Behavior::Action;
using Framing = Behavior::Framing;

TEST_CASE("Upstream closing mid-response closes the client connection", "[integration]") {
  // Given an upstream that sends the head and 100 of 1000 body bytes (Content-Length or chunked)
  // and then closes, expect the client to get that head and a truncated body, then a close with
  // nothing after the truncated bytes; the next client request goes over a new upstream
  // connection and succeeds.
  auto framing = GENERATE(Framing::ContentLength, Framing::Chunked);
  CAPTURE(static_cast<int>(framing));
  FakeUpstream up("alpha");
  Behavior cut = Behavior::of(Action::CloseMidResponse);
  cut.body = patternBody(1000);
  cut.framing = framing;
  cut.partial_body_bytes = 100;
  up.pushBehavior(cut);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  {
    TestClient c = proxy.connect();
    REQUIRE_READ(r, c, roundTrip(buildRequest("GET", "/cut")));
    CHECK(r->status == 200);
    CHECK_FALSE(r->complete);
    CHECK(r->body.size() < 1000);
    CHECK(patternBody(1000).substr(0, r->body.size()) == r->body);
    CHECK(c.isClosedByPeer(2s));
    CHECK(c.buffered().empty());
  }
  TestClient next = proxy.connect();
  REQUIRE_COMPLETE(r2, next, roundTrip(buildRequest("GET", "/next")));
  CHECK(r2->status == 200);
  CHECK(r2->body == "ok");
  auto reqs = up.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].connection_id != reqs[0].connection_id);
}

TEST_CASE("Upstream stalling mid-response: client closed, upstream connection dropped",
          "[integration]") {
  // Given upstream_response 300 ms (also the longest gap while streaming) and an upstream that
  // sends the head and part of the body and then goes silent with the connection open, expect
  // the client connection closed after the truncated body, tether to close that upstream
  // connection, and the next request to use a new one.
  FakeUpstream up("alpha");
  Behavior stall = Behavior::of(Action::StallMidResponse);
  stall.body = patternBody(1000);
  stall.partial_body_bytes = 100;
  up.pushBehavior(stall);
  auto cfg = ProxyFixture::configFor({&up});
  cfg.timeouts.upstream_response = 300ms;
  ProxyFixture proxy(cfg);
  {
    TestClient c = proxy.connect();
    REQUIRE_READ(r, c, roundTrip(buildRequest("GET", "/stall"), 2s));
    CHECK(r->status == 200);
    CHECK_FALSE(r->complete);
    CHECK(c.peerClosed());
    CHECK(c.buffered().empty());
  }
  CHECK(up.waitForPeerClosed(1, 2s));
  TestClient next = proxy.connect();
  REQUIRE_COMPLETE(r2, next, roundTrip(buildRequest("GET", "/next")));
  CHECK(r2->body == "ok");
  auto reqs = up.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].connection_id != reqs[0].connection_id);
}

TEST_CASE("A close-delimited response is never followed by reuse", "[integration]") {
  // Given a response with neither Content-Length nor chunked (ends at upstream close), expect
  // the client to get the whole body with valid framing of its own, and the next request on the
  // same client connection (if tether kept it) or a new one to be served over a new upstream
  // connection.
  FakeUpstream up("alpha");
  Behavior odd = Behavior::respond(200, patternBody(5000));
  odd.framing = Framing::CloseDelimited;
  up.pushBehavior(odd);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/odd")));
  CHECK(r->body == patternBody(5000));
  TestClient next = c.peerClosed() ? proxy.connect() : std::move(c);
  REQUIRE_COMPLETE(r2, next, roundTrip(buildRequest("GET", "/next")));
  CHECK(r2->body == "ok");
  CHECK(up.connectionCount() == 2);
}

TEST_CASE("Bytes after a complete upstream response are not forwarded or reused",
          "[integration]") {
  // Given an upstream that writes junk right after a complete Content-Length response, expect
  // the client to get exactly the response, nothing more, and the next request on the same client
  // connection to get its own correct response (not the junk).
  FakeUpstream up("alpha");
  Behavior junk = Behavior::respond(200, "hi");
  junk.trailing_bytes = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged";
  up.pushBehavior(junk);
  up.setBehavior(Behavior::respond(200, "second"));
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/first")));
  CHECK(r->body == "hi");
  CHECK(c.staysQuiet(200ms));
  REQUIRE_COMPLETE(r2, c, roundTrip(buildRequest("GET", "/second")));
  CHECK(r2->body == "second");
  CHECK(r2->headers.get("X-Target") == "/second");
}

TEST_CASE("A body sent in reply to HEAD is not forwarded or reused", "[integration]") {
  // Given an upstream that wrongly sends a 5-byte body after its HEAD response head, expect the
  // client to get no body, and the next GET on the same connection its own correct response.
  FakeUpstream up("alpha");
  Behavior bad_head = Behavior::respond(200, "WRONG");
  bad_head.body_for_head = true;
  up.pushBehavior(bad_head);
  up.setBehavior(Behavior::respond(200, "right"));
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(head, c, roundTrip(buildRequest("HEAD", "/h")));
  CHECK(head->body.empty());
  CHECK(head->headers.get("Content-Length") == "5");
  CHECK(c.staysQuiet(200ms));
  REQUIRE_COMPLETE(get, c, roundTrip(buildRequest("GET", "/g")));
  CHECK(get->body == "right");
  CHECK(get->headers.get("X-Target") == "/g");
}

TEST_CASE("Upstream Connection: close is honoured", "[integration]") {
  // Given an upstream that answers with Connection: close and closes, expect the client
  // connection to stay usable and the next request to open a new upstream connection.
  FakeUpstream up("alpha");
  Behavior closing = Behavior::respond(200, "bye");
  closing.close_after = true;
  up.pushBehavior(closing);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r1, c, roundTrip(buildRequest("GET", "/1")));
  CHECK(r1->body == "bye");
  REQUIRE_COMPLETE(r2, c, roundTrip(buildRequest("GET", "/2")));
  CHECK(r2->body == "ok");
  CHECK(up.connectionCount() == 2);
}

} // namespace
} // namespace tether::test
