// Basic proxying through an in-process tether: what the client sends reaches the upstream, what
// the upstream answers reaches the client, and round_robin spreads requests.
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;
using Framing = Behavior::Framing;

TEST_CASE("GET reaches the upstream as sent and the response comes back", "[integration]") {
  // Given a GET with a query string, Host and custom headers, expect the upstream to see the same
  // method, target and headers, and the client to get the upstream's status, headers and body.
  FakeUpstream up("alpha");
  Behavior b = Behavior::respond(201, "created-body");
  b.headers = {{"X-Reply", "r1"}, {"Cache-Control", "no-store"}};
  up.setBehavior(b);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();

  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest(
                             "GET", "/path/to?x=1&y=%20z",
                             {{"Host", "app.example"}, {"X-Custom", "value 1"},
                              {"Accept", "text/plain"}, {"Cookie", "a=b; c=d"}})));
  CHECK(r->status == 201);
  CHECK(r->headers.get("X-Upstream") == "alpha");
  CHECK(r->headers.get("X-Reply") == "r1");
  CHECK(r->headers.get("Cache-Control") == "no-store");
  CHECK(r->body == "created-body");

  REQUIRE(up.waitForRequests(1, 1s));
  auto seen = up.requests().at(0);
  CHECK(seen.method == "GET");
  CHECK(seen.target == "/path/to?x=1&y=%20z");
  CHECK(seen.version == "HTTP/1.1");
  CHECK(seen.headers.get("Host") == "app.example");
  CHECK(seen.headers.count("Host") == 1);
  CHECK(seen.headers.get("X-Custom") == "value 1");
  CHECK(seen.headers.get("Accept") == "text/plain");
  CHECK(seen.headers.get("Cookie") == "a=b; c=d");
  CHECK(seen.body.empty());
}

TEST_CASE("Methods other than GET are forwarded unchanged", "[integration]") {
  // Given each method with a small body where it makes sense, expect the upstream to see it.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  auto method = GENERATE(as<std::string>{}, "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  CAPTURE(method);
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest(method, "/m", {}, "data")));
  CHECK(r->status == 200);
  REQUIRE(up.waitForRequests(1, 1s));
  CHECK(up.requests().back().method == method);
  CHECK(up.requests().back().body == "data");
}

TEST_CASE("round_robin alternates between two upstreams", "[integration]") {
  // Given backends a and b and six requests (on one connection and on fresh ones), expect the
  // X-Upstream sequence to alternate and each upstream to get three.
  FakeUpstream a("a");
  FakeUpstream b("b");
  ProxyFixture proxy(ProxyFixture::configFor({&a, &b}));
  std::vector<std::string> seq;
  TestClient keep = proxy.connect();
  for (int i = 0; i < 3; ++i) {
    REQUIRE_COMPLETE(r, keep, roundTrip(buildRequest("GET", "/k")));
    seq.push_back(r->headers.get("X-Upstream").value_or("?"));
  }
  for (int i = 0; i < 3; ++i) {
    TestClient fresh = proxy.connect();
    REQUIRE_COMPLETE(r, fresh, roundTrip(buildRequest("GET", "/f")));
    seq.push_back(r->headers.get("X-Upstream").value_or("?"));
  }
  CAPTURE(seq);
  for (size_t i = 1; i < seq.size(); ++i) {
    CHECK(seq[i] != seq[i - 1]);
  }
  CHECK(a.requestCount() == 3);
  CHECK(b.requestCount() == 3);
}

TEST_CASE("Request bodies arrive intact", "[integration]") {
  // Given request bodies framed each way (sections below), expect them intact upstream.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();

  SECTION("Content-Length body") {
    // Given a 100 KiB Content-Length body, expect the same bytes and Content-Length upstream.
    std::string body = patternBody(100 * 1024);
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("POST", "/cl", {}, body)));
    CHECK(r->status == 200);
    auto seen = up.requests().at(0);
    CHECK(seen.body == body);
    CHECK(seen.headers.get("Content-Length") == std::to_string(body.size()));
    CHECK_FALSE(seen.headers.has("Transfer-Encoding"));
  }
  SECTION("chunked body, possibly re-framed") {
    // Given a chunked body in many small chunks, expect the decoded body upstream, framed either
    // as chunked or with a matching Content-Length, never both.
    std::string body = patternBody(50 * 1024);
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("POST", "/chunked",
                                                  {{"Transfer-Encoding", "chunked"}},
                                                  encodeChunked(body, 1000))));
    CHECK(r->status == 200);
    auto seen = up.requests().at(0);
    CHECK(seen.body == body);
    bool te = seen.headers.has("Transfer-Encoding");
    bool cl = seen.headers.has("Content-Length");
    CHECK(te != cl);
    if (te) {
      CHECK(seen.chunked);
      CHECK(toLower(seen.headers.get("Transfer-Encoding").value()) == "chunked");
    } else {
      CHECK(seen.headers.get("Content-Length") == std::to_string(body.size()));
    }
  }
  SECTION("large Content-Length body streams through") {
    // Given a 4 MiB upload, expect it intact upstream.
    std::string body = patternBody(4 << 20);
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("PUT", "/big", {}, body), 10s));
    CHECK(r->status == 200);
    REQUIRE(up.waitForRequests(1, 1s));
    CHECK(up.requests().at(0).body.size() == body.size());
    CHECK(up.requests().at(0).body == body);
  }
}

TEST_CASE("Response bodies arrive intact in every framing", "[integration]") {
  // Given each upstream framing (Content-Length, chunked, close-delimited) of a 64 KiB body,
  // expect the client to get the exact body with consistent framing of its own.
  FakeUpstream up("alpha");
  auto framing = GENERATE(Framing::ContentLength, Framing::Chunked, Framing::CloseDelimited);
  CAPTURE(static_cast<int>(framing));
  Behavior b = Behavior::respond(200, patternBody(64 * 1024));
  b.framing = framing;
  up.setBehavior(b);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/body")));
  CHECK(r->status == 200);
  CHECK(r->body == patternBody(64 * 1024));
  CHECK_FALSE((r->headers.has("Content-Length") && r->headers.has("Transfer-Encoding")));
  if (framing == Framing::ContentLength) {
    CHECK(r->headers.get("Content-Length") == std::to_string(64 * 1024));
  }
}

TEST_CASE("A chunked response keeps the connection usable", "[integration]") {
  // Given a chunked response followed by a second request on the same client connection, expect
  // both answered in order (the chunked end was found exactly).
  FakeUpstream up("alpha");
  Behavior b = Behavior::respond(200, patternBody(1000));
  b.framing = Framing::Chunked;
  b.chunk_size = 10;
  up.setBehavior(b);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  for (int i = 0; i < 2; ++i) {
    REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/c" + std::to_string(i))));
    CHECK(r->body == patternBody(1000));
    CHECK(r->headers.get("X-Target") == "/c" + std::to_string(i));
  }
}

} // namespace
} // namespace tether::test
