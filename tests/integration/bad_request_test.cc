// Malformed and hostile requests: each gets the right status, the connection is closed, and the
// upstream never receives a request from it (in particular no smuggled second request).
#include <catch2/catch.hpp>

#include "tests/support/proxy_fixture.h"
#include "tests/support/test_macros.h"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kMaxHeaderBytes = 1024;
constexpr uint64_t kMaxBodyBytes = 64;

const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

config::Config limitedConfig(const FakeUpstream& up) {
  auto cfg = ProxyFixture::configFor({&up});
  cfg.limits.max_header_bytes = kMaxHeaderBytes;
  cfg.limits.max_body_bytes = kMaxBodyBytes;
  return cfg;
}

// After a rejected request: a fresh connection still works and the upstream's whole history is
// that one sentinel request, so nothing from the bad request (or smuggled in it) got through.
void checkOnlySentinelReached(const ProxyFixture& proxy, const FakeUpstream& up) {
  TestClient fresh = proxy.connect();
  REQUIRE_COMPLETE(r, fresh, roundTrip(buildRequest("GET", "/sentinel")));
  CHECK(r->status == 200);
  REQUIRE(up.waitForRequests(1, 1s));
  std::vector<std::string> targets;
  for (const auto& req : up.requests()) {
    targets.push_back(req.target);
  }
  CHECK(targets == std::vector<std::string>{"/sentinel"});
}

TEST_CASE("Bad requests get their status, a close, and never reach the upstream",
          "[integration]") {
  // Given each malformed request (table below), expect the listed status, the client connection
  // closed by tether, and the upstream to have received nothing but a later sentinel request.
  //
  //   case                                  status
  //   malformed request line                 400
  //   header line without colon              400
  //   whitespace before the colon            400
  //   bare LF line endings                   400
  //   obs-fold continuation line             400
  //   non-numeric Content-Length             400
  //   two differing Content-Length           400
  //   Content-Length + chunked (CL.TE)       400
  //   invalid chunk size (smuggling)         400
  //   one header over max_header_bytes       431
  //   many headers over max_header_bytes     431
  //   Content-Length over max_body_bytes     413
  //   chunked body over max_body_bytes       413
  //   Transfer-Encoding: gzip, chunked       501
  //   Transfer-Encoding: gzip                501
  std::string many_headers;
  for (int i = 0; i < 40; ++i) {
    many_headers += "X-H" + std::to_string(i) + ": " + std::string(30, 'v') + "\r\n";
  }
  auto [name, bytes, status] = GENERATE_COPY(table<std::string, std::string, int>({
      {"malformed request line", "THIS IS NOT HTTP\r\n\r\n", 400},
      {"header line without colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400},
      {"whitespace before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 400},
      {"non-numeric Content-Length",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
      {"two differing Content-Length",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
       400},
      {"Content-Length with chunked",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n" + kSmuggled,
       400},
      {"invalid chunk size",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\n"
       "0\r\n\r\n" + kSmuggled,
       400},
      {"one header over the limit",
       "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2 * kMaxHeaderBytes, 'a') +
           "\r\n\r\n",
       431},
      {"many headers over the limit", "GET / HTTP/1.1\r\nHost: x\r\n" + many_headers + "\r\n",
       431},
      // Only the head: the limit must be enforced from Content-Length alone.
      {"Content-Length over the limit",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kMaxBodyBytes + 1) +
           "\r\n\r\n",
       413},
      {"chunked over the limit",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
           encodeChunked(patternBody(2 * kMaxBodyBytes), 40).substr(0, 100),
       413},
      {"gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                        "0\r\n\r\n",
       501},
      {"gzip only", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
  }));
  CAPTURE(name);
  FakeUpstream up("alpha");
  ProxyFixture proxy(limitedConfig(up));
  TestClient c = proxy.connect();
  REQUIRE(c.send(bytes));
  REQUIRE_COMPLETE(r, c, readFinalResponse());
  CHECK(r->status == status);
  CHECK(c.isClosedByPeer(2s));
  CHECK(c.buffered().empty());  // nothing after the error response
  checkOnlySentinelReached(proxy, up);
}

TEST_CASE("A bad request pipelined after a good one: good answered, bad rejected",
          "[integration]") {
  // Given a valid GET and, in the same write, a request with a bare-LF head, expect 200 for the
  // first, 400 for the second, then close; the upstream saw only the first.
  FakeUpstream up("alpha");
  ProxyFixture proxy(limitedConfig(up));
  TestClient c = proxy.connect();
  REQUIRE(c.send(buildRequest("GET", "/good") + "GET /bad HTTP/1.1\nHost: x\n\n"));
  REQUIRE_COMPLETE(r1, c, readFinalResponse());
  CHECK(r1->status == 200);
  REQUIRE_COMPLETE(r2, c, readFinalResponse());
  CHECK(r2->status == 400);
  CHECK(c.isClosedByPeer(2s));
  auto reqs = up.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].target == "/good");
}

TEST_CASE("Requests exactly at the limits are accepted", "[integration]") {
  // Given a body of exactly max_body_bytes (Content-Length and chunked) and a head just under
  // max_header_bytes, expect 200 and the bytes intact upstream (the limits are not off by one).
  FakeUpstream up("alpha");
  ProxyFixture proxy(limitedConfig(up));
  TestClient c = proxy.connect();
  std::string body = patternBody(kMaxBodyBytes);
  REQUIRE_COMPLETE(r1, c, roundTrip(buildRequest("POST", "/cl", {}, body)));
  CHECK(r1->status == 200);
  REQUIRE_COMPLETE(r2, c, roundTrip(buildRequest("POST", "/ch", {{"Transfer-Encoding", "chunked"}},
                                                 encodeChunked(body, 10))));
  CHECK(r2->status == 200);
  std::string head = buildRequest("GET", "/h", {{"X-Pad", ""}});
  std::string pad(kMaxHeaderBytes - head.size() - 16, 'p');
  REQUIRE_COMPLETE(r3, c, roundTrip(buildRequest("GET", "/h", {{"X-Pad", pad}})));
  CHECK(r3->status == 200);
  auto reqs = up.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].body == body);
  CHECK(reqs[1].body == body);
  CHECK(reqs[2].headers.get("X-Pad") == pad);
}

} // namespace
} // namespace tether::test
