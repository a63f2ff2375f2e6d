// The http room through a whole client connection, in memory: requests that reach tether in
// pieces of any size are parsed, checked and forwarded exactly as when they arrive whole, and
// requests the checks refuse are answered without reaching a backend.

#include <catch2/catch.hpp>

#include "tests/support/memory_proxy.h"
#include "tests/support/proxy_fixture.h"

namespace tether::test {
namespace {

config::Config oneBackend() {
  return ProxyFixture::makeConfig({ProxyFixture::backendAt("b1", 8001)});
}

} // namespace

TEST_CASE("http in memory: a request cut into pieces of any size is forwarded whole",
          "[proxy][http][memory]") {
  const std::string body = patternBody(3000);
  const std::string request =
      buildRequest("POST", "/upload?x=1", {{"X-Custom", "v"}, {"Content-Type", "text/plain"}}, body);
  for (size_t piece : {1, 2, 3, 7, 64, 1000}) {
    DYNAMIC_SECTION("pieces of " << piece << " bytes") {
      MemoryProxy proxy(oneBackend());
      auto client = proxy.connect({piece});
      const auto response = proxy.exchange(*client, request);
      REQUIRE(response);
      CHECK(response->status == 200);
      CHECK(response->body == "ok");
      const auto& seen = proxy.backend("b1").requests();
      REQUIRE(seen.size() == 1);
      CHECK(seen[0].method == "POST");
      CHECK(seen[0].target == "/upload?x=1");
      CHECK(seen[0].headers.get("x-custom") == "v");
      CHECK(seen[0].headers.get("x-forwarded-for") == "192.0.2.10");
      CHECK(seen[0].body == body);
    }
  }
}

TEST_CASE("http in memory: a chunked body in odd pieces is re-chunked with the same bytes",
          "[proxy][http][memory]") {
  MemoryProxy proxy(oneBackend());
  auto client = proxy.connect({5});
  const std::string body = patternBody(700);
  const auto response = proxy.exchange(
      *client, buildRequest("POST", "/c", {{"Transfer-Encoding", "chunked"}}, encodeChunked(body, 33)));
  REQUIRE(response);
  CHECK(response->status == 200);
  REQUIRE(proxy.backend("b1").requests().size() == 1);
  CHECK(proxy.backend("b1").requests()[0].body == body);
}

TEST_CASE("http in memory: pipelined requests in one read are answered in order",
          "[proxy][http][memory]") {
  MemoryProxy proxy(oneBackend());
  auto& b1 = proxy.backend("b1");
  b1.setResponder([&b1](const ParsedMessage& r) { return b1.response(200, r.target); });
  auto client = proxy.connect();
  client->send(buildRequest("GET", "/1") + buildRequest("GET", "/2") + buildRequest("GET", "/3"));
  REQUIRE(proxy.runUntil([&] { return parseMessages(client->received()).size() == 3; }));
  const auto answers = parseMessages(client->received());
  CHECK(answers[0].body == "/1");
  CHECK(answers[1].body == "/2");
  CHECK(answers[2].body == "/3");
  REQUIRE(b1.requests().size() == 3);
  CHECK(b1.connections() == 1);
}

TEST_CASE("http in memory: a refused request is answered by tether alone, then the connection "
          "closes lingering",
          "[proxy][http][memory]") {
  struct Case {
    const char* what;
    std::string request;
    int status;
  };
  const Case cases[] = {
      {"Content-Length with Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", 400},
      {"gzip coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      MemoryProxy proxy(oneBackend());
      auto client = proxy.connect({4});
      const auto response = proxy.exchange(*client, c.request);
      REQUIRE(response);
      CHECK(response->status == c.status);
      CHECK(response->headers.hasToken("connection", "close"));
      // The lingering close: tether half-closes and waits for the client to close.
      REQUIRE(proxy.runUntil([&] { return client->writeShutdown(); }));
      CHECK_FALSE(client->closed());
      client->sendEof();
      REQUIRE(proxy.runUntil([&] { return client->closed(); }));
      CHECK(proxy.backend("b1").connections() == 0);
    }
  }
}

} // namespace tether::test
