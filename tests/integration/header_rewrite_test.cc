// Header rewriting at the proxy hop: hop-by-hop headers (RFC 9110 §7.6.1) stop at tether in both
// directions, and X-Forwarded-For/-Proto/-Host are added, replacing or appending by trust.
#include <catch2/catch.hpp>

#include "routing/cidr.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

// Headers that must never cross the proxy on a non-upgrade request.
const std::vector<std::string> kHopByHop = {"Connection", "Keep-Alive", "Proxy-Connection",
                                            "TE", "Trailer", "Upgrade"};

void checkNoHopByHop(const RecordedRequest& seen) {
  for (const auto& name : kHopByHop) {
    CAPTURE(name);
    CHECK_FALSE(seen.headers.has(name));
  }
}

TEST_CASE("Hop-by-hop request headers are removed", "[integration]") {
  // Given a request carrying every hop-by-hop header, plus X-Foo named in Connection, expect the
  // upstream to see none of them and X-Kept (not named) unchanged.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  auto connection = GENERATE(as<std::string>{}, "keep-alive, X-Foo", "close, X-Foo");
  CAPTURE(connection);
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/hop",
                                                {{"Connection", connection},
                                                 {"Keep-Alive", "timeout=5"},
                                                 {"Proxy-Connection", "keep-alive"},
                                                 {"TE", "trailers"},
                                                 {"Trailer", "X-Checksum"},
                                                 {"Upgrade", "h2c"},
                                                 {"X-Foo", "secret"},
                                                 {"X-Kept", "kept"}})));
  CHECK(r->status == 200);
  REQUIRE(up.waitForRequests(1, 1s));
  auto seen = up.requests().at(0);
  checkNoHopByHop(seen);
  CHECK_FALSE(seen.headers.has("X-Foo"));
  CHECK(seen.headers.get("X-Kept") == "kept");
}

TEST_CASE("Headers named in any Connection header are removed", "[integration]") {
  // Given two Connection headers naming X-A and X-B (case differs), expect both removed.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/two",
                                                {{"Connection", "x-a"},
                                                 {"Connection", "X-B"},
                                                 {"X-A", "1"},
                                                 {"x-b", "2"},
                                                 {"X-C", "3"}})));
  auto seen = up.requests().at(0);
  CHECK_FALSE(seen.headers.has("X-A"));
  CHECK_FALSE(seen.headers.has("X-B"));
  CHECK(seen.headers.get("X-C") == "3");
  CHECK_FALSE(seen.headers.has("Connection"));
}

TEST_CASE("X-Forwarded-* are added for a direct client", "[integration]") {
  // Given a request from 127.0.0.1 with Host app.example, expect X-Forwarded-For 127.0.0.1,
  // X-Forwarded-Proto http and X-Forwarded-Host app.example, each exactly once.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/", {{"Host", "app.example:8443"}})));
  auto seen = up.requests().at(0);
  CHECK(seen.headers.getAll("X-Forwarded-For") == std::vector<std::string>{"127.0.0.1"});
  CHECK(seen.headers.getAll("X-Forwarded-Proto") == std::vector<std::string>{"http"});
  CHECK(seen.headers.getAll("X-Forwarded-Host") == std::vector<std::string>{"app.example:8443"});
  CHECK(seen.headers.get("Host") == "app.example:8443");
}

TEST_CASE("X-Forwarded-For from an untrusted peer is replaced, not appended", "[integration]") {
  // Given no trusted proxies and a client claiming X-Forwarded-For: 1.2.3.4 (and a forged
  // X-Forwarded-Host/-Proto), expect only what tether saw: 127.0.0.1, http and the real Host.
  FakeUpstream up("alpha");
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/",
                                                {{"Host", "real.example"},
                                                 {"X-Forwarded-For", "1.2.3.4"},
                                                 {"X-Forwarded-Proto", "https"},
                                                 {"X-Forwarded-Host", "forged.example"}})));
  auto seen = up.requests().at(0);
  CHECK(seen.headers.getAll("X-Forwarded-For") == std::vector<std::string>{"127.0.0.1"});
  CHECK(seen.headers.getAll("X-Forwarded-Proto") == std::vector<std::string>{"http"});
  CHECK(seen.headers.getAll("X-Forwarded-Host") == std::vector<std::string>{"real.example"});
}

TEST_CASE("X-Forwarded-For from a trusted proxy is appended to", "[integration]") {
  // Given trusted_proxies [127.0.0.1/32] and X-Forwarded-For: 1.2.3.4, expect
  // "1.2.3.4, 127.0.0.1" as one header.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  auto trusted = routing::Cidr::parse("127.0.0.1/32");
  REQUIRE(trusted);
  cfg.forwarding.trusted_proxies = {*trusted};
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/", {{"X-Forwarded-For", "1.2.3.4"}})));
  auto seen = up.requests().at(0);
  auto xff = seen.headers.getAll("X-Forwarded-For");
  REQUIRE(xff.size() == 1);
  CHECK(splitList(xff[0]) == std::vector<std::string>{"1.2.3.4", "127.0.0.1"});
}

TEST_CASE("x_forwarded_for: false adds nothing", "[integration]") {
  // Given forwarding.x_forwarded_for false, expect no X-Forwarded-* added by tether.
  FakeUpstream up("alpha");
  auto cfg = ProxyFixture::configFor({&up});
  cfg.forwarding.x_forwarded_for = false;
  ProxyFixture proxy(cfg);
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/")));
  auto seen = up.requests().at(0);
  CHECK_FALSE(seen.headers.has("X-Forwarded-For"));
  CHECK_FALSE(seen.headers.has("X-Forwarded-Proto"));
  CHECK_FALSE(seen.headers.has("X-Forwarded-Host"));
}

TEST_CASE("Hop-by-hop response headers are not passed to the client", "[integration]") {
  // Given an upstream response with Keep-Alive, Connection: X-Bar, X-Bar, Proxy-Connection and
  // Trailer, expect the client to see none of X-Bar, Keep-Alive, Proxy-Connection, Trailer, and
  // any Connection header tether sends to be its own (not naming X-Bar); end-to-end headers stay.
  FakeUpstream up("alpha");
  Behavior b = Behavior::respond(200, "resp");
  b.headers = {{"Keep-Alive", "timeout=5, max=100"},
               {"Connection", "X-Bar"},
               {"X-Bar", "hop"},
               {"Proxy-Connection", "keep-alive"},
               {"Trailer", "X-Checksum"},
               {"X-End-To-End", "stays"}};
  up.setBehavior(b);
  ProxyFixture proxy(ProxyFixture::configFor({&up}));
  TestClient c = proxy.connect();
  REQUIRE_COMPLETE(r, c, roundTrip(buildRequest("GET", "/")));
  CHECK(r->body == "resp");
  CHECK_FALSE(r->headers.has("X-Bar"));
  CHECK_FALSE(r->headers.has("Keep-Alive"));
  CHECK_FALSE(r->headers.has("Proxy-Connection"));
  CHECK_FALSE(r->headers.has("Trailer"));
  CHECK_FALSE(r->headers.hasToken("Connection", "X-Bar"));
  CHECK(r->headers.get("X-End-To-End") == "stays");
  // The connection stays usable: the upstream's hop headers did not leak into tether's framing.
  REQUIRE_COMPLETE(r2, c, roundTrip(buildRequest("GET", "/again")));
  CHECK(r2->status == 200);
}

} // namespace
} // namespace tether::test
