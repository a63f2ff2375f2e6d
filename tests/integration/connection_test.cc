// Connection handling: keep-alive on both sides, pipelining, HTTP/1.0 clients, and responses that
// carry no body (HEAD, 204, 304) without desynchronising the connection.
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;
using Framing = Behavior::Framing;

TEST_CASE("Keep-alive: ten requests on one client connection reuse one upstream connection",
          "[integration]") {
  // Given one worker and ten sequential requests on one client connection, expect ten answers in
  // order, the client connection still open, and exactly one upstream connection.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  for (int i = 0; i < 10; ++i) {
    std::string target = "/ka/" + std::to_string(i);
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", target)));
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Target") == target);
    CHECK_FALSE(r->headers.hasToken("Connection", "close"));
  }
  CHECK_FALSE(c.peerClosed());
  CHECK(up.requestCount() == 10);
  CHECK(up.connectionCount() == 1);
}

TEST_CASE("Keep-alive: sequential clients share the pooled upstream connection",
          "[integration]") {
  // Given three clients one after another (each closing), expect one upstream connection.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  for (int i = 0; i < 3; ++i) {
    TestClient c = proxy.connect();
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/seq")));
    CHECK(r->status == 200);
  }
  CHECK(up.connectionCount() == 1);
}

TEST_CASE("Pipelining: three requests in one write are answered in order", "[integration]") {
  // Given GET /1, POST /2 (with body), GET /3 in one write, expect responses for /1, /2, /3 in
  // that order with their own bodies, and the upstream to see all three intact.
  FakeUpstream up("alpha");
  up.setResponder([](const RecordedRequest& req) {
    return Behavior::respond(200, "body-of-" + req.target);
  });
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE(c.send(buildRequest("GET", "/1") + buildRequest("POST", "/2", {}, "payload") +
                 buildRequest("GET", "/3")));
  for (std::string t : {"/1", "/2", "/3"}) {
    REQUIRE_COMPLETE(r, c, readFinalResponse());
    CHECK(r->headers.get("X-Target") == t);
    CHECK(r->body == "body-of-" + t);
  }
  auto reqs = up.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[1].body == "payload");
  CHECK(reqs[2].target == "/3");
}

TEST_CASE("HTTP/1.0 client without keep-alive: correct response, then close", "[integration]") {
  // Given an HTTP/1.0 request and an upstream answering chunked, expect a response the 1.0 client
  // can read (not chunked), the full body, and the connection closed afterwards.
  FakeUpstream up("alpha");
  Behavior b = Behavior::respond(200, patternBody(3000));
  b.framing = Framing::Chunked;
  up.setBehavior(b);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/old", {}, {}, "HTTP/1.0")));
  CHECK(r->status == 200);
  CHECK_FALSE(r->chunked);
  CHECK(r->body == patternBody(3000));
  CHECK(c.isClosedByPeer(2s));
  CHECK(c.buffered().empty());
}

TEST_CASE("HTTP/1.0 client asking keep-alive keeps its connection", "[integration]") {
  // Given HTTP/1.0 with Connection: keep-alive and a Content-Length response, expect the
  // connection to stay open and a second request on it to work.
  FakeUpstream up("alpha");
  up.setBehavior(Behavior::respond(200, "hello"));
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  auto req = buildRequest("GET", "/ka10", {{"Connection", "keep-alive"}}, {}, "HTTP/1.0");
  REQUIRE_COMPLETE(r1, c, roundTrip(req));
  CHECK(r1->body == "hello");
  CHECK(r1->headers.get("Content-Length") == "5");
  REQUIRE_COMPLETE(r2, c, roundTrip(req));
  CHECK(r2->body == "hello");
}

TEST_CASE("HEAD: headers with Content-Length, no body, connection still in sync",
          "[integration]") {
  // Given HEAD for a 5-byte resource then GET on the same connection, expect Content-Length: 5
  // and no body bytes for HEAD (nothing left buffered), and the GET body intact.
  FakeUpstream up("alpha");
  up.setBehavior(Behavior::respond(200, "hello"));
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(head, c, roundTrip(buildRequest("HEAD", "/res")));
  CHECK(head->status == 200);
  CHECK(head->headers.get("Content-Length") == "5");
  CHECK(head->body.empty());
  CHECK(c.staysQuiet(100ms));
  REQUIRE_COMPLETE(get, c, roundTrip(buildRequest("GET", "/res")));
  CHECK(get->body == "hello");
  CHECK(up.requests().at(0).method == "HEAD");
}

TEST_CASE("HEAD of a chunked resource keeps the connection in sync", "[integration]") {
  // Given an upstream that announces chunked framing for HEAD (and sends nothing), expect no
  // body and a working next request.
  FakeUpstream up("alpha");
  Behavior b = Behavior::respond(200, "chunky");
  b.framing = Framing::Chunked;
  up.setBehavior(b);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(head, c, roundTrip(buildRequest("HEAD", "/c")));
  CHECK(head->body.empty());
  REQUIRE_COMPLETE(get, c, roundTrip(buildRequest("GET", "/c")));
  CHECK(get->body == "chunky");
}

TEST_CASE("204 and 304 carry no body and keep the connection in sync", "[integration]") {
  // Given a 204, a 304 that announces Content-Length: 5 (allowed: it describes the cached
  // entity) and then a normal GET, all on one connection, expect no body for the first two and
  // the GET intact.
  FakeUpstream up("alpha");
  up.setResponder([](const RecordedRequest& req) {
    if (req.target == "/204") {
      return Behavior::respond(204, "");
    }
    if (req.target == "/304") {
      return Behavior::respond(304, "12345");
    }
    return Behavior::respond(200, "after");
  });
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r204, c, roundTrip(buildRequest("DELETE", "/204")));
  CHECK(r204->status == 204);
  CHECK_FALSE(r204->headers.has("Transfer-Encoding"));
  REQUIRE_COMPLETE(r304, c, roundTrip(buildRequest("GET", "/304",
                                                   {{"If-None-Match", "\"v1\""}})));
  CHECK(r304->status == 304);
  CHECK_FALSE(r304->headers.has("Transfer-Encoding"));
  CHECK(c.staysQuiet(100ms));
  REQUIRE_COMPLETE(get, c, roundTrip(buildRequest("GET", "/next")));
  CHECK(get->status == 200);
  CHECK(get->body == "after");
  CHECK(up.connectionCount() == 1);
}

TEST_CASE("Client Connection: close is honoured after the response", "[integration]") {
  // Given an HTTP/1.1 request with Connection: close, expect the full response and then close.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/bye", {{"Connection", "close"}})));
  CHECK(r->status == 200);
  CHECK(c.isClosedByPeer(2s));
}

} // namespace
} // namespace tether::test
