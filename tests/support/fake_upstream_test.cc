// FakeUpstream and TestClient tested against each other, with no tether in between. Every mode
// the integration tests rely on is exercised here first, so an integration failure points at
// tether, not at the tools.
#include "tests/support/fake_upstream.h"

#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "tests/support/test_client.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;
using Action = Behavior::Action;

TEST_CASE("FakeUpstream records a GET and answers with its name", "[support]") {
  // Given a GET with a query and custom headers, expect the exact raw bytes recorded, the parsed
  // pieces, and X-Upstream on the response.
  FakeUpstream up("a");
  REQUIRE(up.listening());
  TestClient c(up.port());
  std::string req = buildRequest("GET", "/p?q=1", {{"X-Custom", "v"}});
  auto r = c.roundTrip(req);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->headers.get("X-Upstream") == "a");
  CHECK(r->headers.get("X-Target") == "/p?q=1");
  CHECK(r->body == "ok");
  REQUIRE(up.waitForRequests(1, 1s));
  auto seen = up.requests().at(0);
  CHECK(seen.raw == req);
  CHECK(seen.method == "GET");
  CHECK(seen.target == "/p?q=1");
  CHECK(seen.headers.get("x-custom") == "v");
  CHECK(seen.connection_id == 1);
}

TEST_CASE("FakeUpstream keeps connections alive and answers pipelined requests in order",
          "[support]") {
  // Given three requests in one write on one connection, expect three responses in order and a
  // single accepted connection.
  FakeUpstream up("a");
  TestClient c(up.port());
  REQUIRE(c.send(buildRequest("GET", "/1") + buildRequest("GET", "/2") +
                 buildRequest("GET", "/3")));
  for (std::string t : {"/1", "/2", "/3"}) {
    auto r = c.readFinalResponse();
    REQUIRE(r);
    CHECK(r->headers.get("X-Target") == t);
  }
  CHECK(up.connectionCount() == 1);
  auto reqs = up.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[2].index_on_connection == 2);
}

TEST_CASE("FakeUpstream decodes chunked request bodies and keeps the raw framing", "[support]") {
  // Given a chunked POST in 100-byte chunks, expect the decoded body and the exact raw bytes.
  FakeUpstream up("a");
  TestClient c(up.port());
  std::string body = patternBody(300);
  std::string req =
      buildRequest("POST", "/c", {{"Transfer-Encoding", "chunked"}}, encodeChunked(body, 100));
  auto r = c.roundTrip(req);
  REQUIRE(r);
  auto seen = up.requests().at(0);
  CHECK(seen.chunked);
  CHECK(seen.body == body);
  CHECK(seen.raw == req);
}

TEST_CASE("TestClient reads chunked, content-length and close-delimited responses", "[support]") {
  // Given each response framing of a 5000-byte body, expect the client to decode it exactly.
  FakeUpstream up("a");
  auto framing = GENERATE(Behavior::Framing::ContentLength, Behavior::Framing::Chunked,
                          Behavior::Framing::CloseDelimited);
  Behavior b = Behavior::respond(200, patternBody(5000));
  b.framing = framing;
  up.setBehavior(b);
  TestClient c(up.port());
  auto r = c.roundTrip(buildRequest("GET", "/"));
  REQUIRE(r);
  CHECK(r->complete);
  CHECK(r->body == patternBody(5000));
  CHECK(r->chunked == (framing == Behavior::Framing::Chunked));
  CHECK(r->close_delimited == (framing == Behavior::Framing::CloseDelimited));
}

TEST_CASE("FakeUpstream answers HEAD, 204 and 304 without a body", "[support]") {
  // Given HEAD, 204, 304 and GET on one connection, expect no body where none is allowed and
  // the connection still in sync for the GET.
  FakeUpstream up("a");
  up.setResponder([](const RecordedRequest& req) {
    if (req.target == "/204") {
      return Behavior::respond(204, "");
    }
    if (req.target == "/304") {
      return Behavior::respond(304, "12345");
    }
    return Behavior::respond(200, "hello");
  });
  TestClient c(up.port());
  auto head = c.roundTrip(buildRequest("HEAD", "/"));
  REQUIRE(head);
  CHECK(head->headers.get("Content-Length") == "5");
  CHECK(head->body.empty());
  auto r204 = c.roundTrip(buildRequest("GET", "/204"));
  REQUIRE(r204);
  CHECK(r204->status == 204);
  CHECK_FALSE(r204->headers.has("Content-Length"));
  auto r304 = c.roundTrip(buildRequest("GET", "/304"));
  REQUIRE(r304);
  CHECK(r304->status == 304);
  CHECK(r304->headers.get("Content-Length") == "5");
  auto get = c.roundTrip(buildRequest("GET", "/"));
  REQUIRE(get);
  CHECK(get->body == "hello");
  CHECK(c.buffered().empty());
}

TEST_CASE("FakeUpstream invites an Expect body with 100 Continue", "[support]") {
  // Given a head with Expect: 100-continue, expect a 100 first, then 200 once the body is sent.
  FakeUpstream up("a");
  TestClient c(up.port());
  REQUIRE(c.send(
      buildRequest("POST", "/e", {{"Content-Length", "5"}, {"Expect", "100-continue"}})));
  auto interim = c.readResponse();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(c.send("hello"));
  auto r = c.readFinalResponse();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(up.requests().at(0).body == "hello");
}

TEST_CASE("FakeUpstream fault modes", "[support]") {
  // Given each fault behaviour (sections), expect the client to observe exactly that fault.
  FakeUpstream up("a");
  TestClient c(up.port());
  std::string req = buildRequest("GET", "/");

  SECTION("hang: no response within the timeout") {
    up.setBehavior(Behavior::of(Action::Hang));
    REQUIRE(c.send(req));
    CHECK_FALSE(c.readResponse(200ms));
    CHECK(up.waitForRequests(1, 1s));
  }
  SECTION("close: FIN without a response") {
    up.setBehavior(Behavior::of(Action::Close));
    REQUIRE(c.send(req));
    CHECK_FALSE(c.readResponse());
    CHECK(c.peerClosed());
  }
  SECTION("reset: RST without a response") {
    up.setBehavior(Behavior::of(Action::Reset));
    REQUIRE(c.send(req));
    CHECK(c.isClosedByPeer());
    CHECK(c.buffered().empty());
  }
  SECTION("garbage: not parseable as HTTP") {
    up.setBehavior(Behavior::of(Action::Garbage));
    REQUIRE(c.send(req));
    CHECK_FALSE(c.readResponse(500ms));
    CHECK_THAT(c.lastError(), Catch::Contains("malformed"));
  }
  SECTION("close mid-response: head and part of the body, then FIN") {
    Behavior b = Behavior::of(Action::CloseMidResponse);
    b.body = patternBody(1000);
    b.partial_body_bytes = 100;
    up.setBehavior(b);
    auto r = c.roundTrip(req);
    REQUIRE(r);
    CHECK_FALSE(r->complete);
    CHECK(r->body == patternBody(100));
    CHECK(c.peerClosed());
  }
  SECTION("stall mid-response: head and part of the body, then silence") {
    Behavior b = Behavior::of(Action::StallMidResponse);
    b.body = patternBody(1000);
    b.partial_body_bytes = 10;
    up.setBehavior(b);
    auto r = c.roundTrip(req, 300ms);
    REQUIRE(r);
    CHECK_FALSE(r->complete);
    CHECK_FALSE(c.peerClosed());
  }
  SECTION("delay: the response comes after the delay") {
    Behavior b = Behavior::respond();
    b.delay = 200ms;
    up.setBehavior(b);
    auto start = Clock::now();
    auto r = c.roundTrip(req);
    REQUIRE(r);
    CHECK(Clock::now() - start >= 200ms);
  }
  SECTION("one-shot behaviours run before the default") {
    up.pushBehavior(Behavior::respond(503, "busy"));
    auto first = c.roundTrip(req);
    auto second = c.roundTrip(req);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 503);
    CHECK(second->status == 200);
  }
  SECTION("trailing bytes after a complete response") {
    Behavior b = Behavior::respond(200, "hi");
    b.trailing_bytes = "EXTRA";
    up.setBehavior(b);
    auto r = c.roundTrip(req);
    REQUIRE(r);
    CHECK(r->body == "hi");
    REQUIRE(c.readExactly(5));
  }
}

TEST_CASE("refusedPort refuses connections", "[support]") {
  // Given refusedPort(), expect a connect to fail with ECONNREFUSED.
  TestClient c(refusedPort());
  CHECK_FALSE(c.connected());
  CHECK(c.connectErrno() == ECONNREFUSED);
}

TEST_CASE("FakeUpstream upgrades and echoes", "[support]") {
  // Given an Upgrade request with tunnel bytes right behind the head, expect 101 and those bytes
  // echoed, then a later exchange echoed too.
  FakeUpstream up("a");
  up.setBehavior(Behavior::of(Action::Upgrade));
  TestClient c(up.port());
  REQUIRE(c.send(buildRequest("GET", "/ws", {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}}) +
                 "early"));
  auto r = c.readFinalResponse();
  REQUIRE(r);
  CHECK(r->status == 101);
  CHECK(c.readExactly(5) == "early");
  REQUIRE(c.send("ping"));
  CHECK(c.readExactly(4) == "ping");
  c.shutdownWrite();
  CHECK(c.isClosedByPeer());
}

TEST_CASE("FakeUpstream detects a reader that stopped reading", "[support]") {
  // Given an 8 MiB response to a client with a 64 KiB receive buffer that does not read, expect
  // the upstream's writes to stall well short of 8 MiB; then the client reads it all intact.
  FakeUpstream up("a");
  Behavior b;
  b.generated_body_bytes = 8 << 20;
  b.sndbuf = 64 * 1024;  // without it the kernel autotunes the send buffer up to 4 MiB
  up.setBehavior(b);
  TestClient c(up.port(), ClientOptions{64 * 1024});
  REQUIRE(c.send(buildRequest("GET", "/big")));
  REQUIRE(up.waitForWriteStall(3s));
  UNSCOPED_INFO("bytes sent before the stall: " << up.bodyBytesSent());
  CHECK(up.bodyBytesSent() < (1u << 20));
  auto r = c.readFinalResponse(10s);
  REQUIRE(r);
  CHECK(r->complete);
  CHECK(r->body.size() == (8u << 20));
  CHECK(matchesPattern(r->body));
}

TEST_CASE("FakeUpstream streams a generated chunked body", "[support]") {
  // Given a generated 200 kB chunked body, expect it decoded intact and counted as sent.
  FakeUpstream up("a");
  Behavior b;
  b.generated_body_bytes = 200 * 1000;
  b.framing = Behavior::Framing::Chunked;
  up.setBehavior(b);
  TestClient c(up.port());
  auto r = c.roundTrip(buildRequest("GET", "/big"));
  REQUIRE(r);
  CHECK(r->complete);
  CHECK(r->chunked);
  CHECK(r->body == patternBody(200 * 1000));
  CHECK(up.bodyBytesSent() > 200 * 1000);
}

TEST_CASE("TestClient trickling stops when the peer answers", "[support]") {
  // Given a request trickled with junk after its head, expect the trickle to stop once the
  // response arrives, and the response readable.
  FakeUpstream up("a");
  TestClient c(up.port());
  std::string req = buildRequest("GET", "/") + "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
  CHECK_FALSE(c.sendTrickled(req, 2ms));
  CHECK(c.bytesTrickled() < req.size());
  auto r = c.readFinalResponse();
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("FakeUpstream stops promptly with connections hanging", "[support]") {
  // Given two connections parked in Hang, expect stop() to return within 1 s and close both.
  FakeUpstream up("a");
  up.setBehavior(Behavior::of(Action::Hang));
  TestClient c1(up.port());
  TestClient c2(up.port());
  REQUIRE(c1.send(buildRequest("GET", "/")));
  REQUIRE(up.waitForRequests(1, 1s));
  REQUIRE(up.waitForConnections(2, 1s));
  auto start = Clock::now();
  up.stop();
  CHECK(Clock::now() - start < 1s);
  CHECK(c1.isClosedByPeer(1s));
  CHECK(c2.isClosedByPeer(1s));
}

} // namespace
} // namespace tether::test
