// The upstream room through a whole client connection, in memory: the pool keeps and reuses
// backend connections, a refused connect moves to the next candidate, and a pooled connection
// the backend closed meanwhile is replaced without the client noticing.

#include <catch2/catch.hpp>

#include "tests/support/memory_proxy.h"
#include "tests/support/proxy_fixture.h"

namespace tether::test {
namespace {

config::Config backends(std::initializer_list<const char*> names) {
  std::vector<config::BackendConfig> list;
  uint16_t port = 8001;
  for (const char* n : names) list.push_back(ProxyFixture::backendAt(n, port++));
  return ProxyFixture::makeConfig(std::move(list));
}

} // namespace

TEST_CASE("upstream in memory: keep-alive requests reuse one pooled backend connection",
          "[proxy][upstream][memory]") {
  MemoryProxy proxy(backends({"b1"}));
  auto client = proxy.connect();
  for (int i = 0; i < 3; ++i) {
    const auto r = proxy.exchange(*client, buildRequest("GET", "/r" + std::to_string(i)));
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  auto& b1 = proxy.backend("b1");
  CHECK(b1.requests().size() == 3);
  CHECK(b1.connections() == 1);
  CHECK(proxy.worker().pool().idleCount() == 1);
  // A second client finds the idle connection too.
  auto other = proxy.connect();
  REQUIRE(proxy.exchange(*other, buildRequest("GET", "/x")));
  CHECK(b1.connections() == 1);
}

TEST_CASE("upstream in memory: a refused connect is retried on the next candidate",
          "[proxy][upstream][memory]") {
  auto cfg = backends({"b1", "b2"});
  MemoryProxy proxy(cfg);
  proxy.backend("b1").refuse(true);
  for (int i = 0; i < 4; ++i) {
    auto client = proxy.connect();
    const auto r = proxy.exchange(*client, buildRequest("GET", "/"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->headers.get("x-backend") == "b2");
  }
  CHECK(proxy.connector().attempts("127.0.0.1:8001") >= 1);
  CHECK(proxy.backend("b2").requests().size() == 4);
}

TEST_CASE("upstream in memory: every backend refusing ends in 502", "[proxy][upstream][memory]") {
  MemoryProxy proxy(backends({"b1", "b2"}));
  proxy.backend("b1").refuse(true);
  proxy.backend("b2").refuse(true);
  auto client = proxy.connect();
  const auto r = proxy.exchange(*client, buildRequest("GET", "/"));
  REQUIRE(r);
  CHECK(r->status == 502);
}

TEST_CASE("upstream in memory: a pooled connection the backend dropped is replaced, the request "
          "resent",
          "[proxy][upstream][memory]") {
  MemoryProxy proxy(backends({"b1"}));
  auto& b1 = proxy.backend("b1");
  // The second request is left unanswered; the test then resets that connection, as a backend
  // whose keep-alive timeout expired at the wrong moment would.
  b1.setResponder([&b1](const ParsedMessage&) {
    return b1.requests().size() == 2 ? std::string() : b1.response(200, "ok");
  });
  auto client = proxy.connect();
  REQUIRE(proxy.exchange(*client, buildRequest("GET", "/first")));
  client->send(buildRequest("GET", "/second"));
  REQUIRE(proxy.runUntil([&] { return b1.requests().size() == 2; }));
  b1.peers()[0]->reset();
  REQUIRE(proxy.runUntil([&] { return parseMessages(client->received()).size() == 2; }));
  CHECK(parseMessages(client->received())[1].status == 200);
  CHECK(b1.connections() == 2);
  REQUIRE(b1.requests().size() == 3);
  CHECK(b1.requests()[2].target == "/second");
}

TEST_CASE("upstream in memory: a backend that closes an idle pooled connection is forgotten",
          "[proxy][upstream][memory]") {
  MemoryProxy proxy(backends({"b1"}));
  auto client = proxy.connect();
  REQUIRE(proxy.exchange(*client, buildRequest("GET", "/")));
  auto& b1 = proxy.backend("b1");
  REQUIRE(proxy.worker().pool().idleCount() == 1);
  b1.peers()[0]->sendEof();
  REQUIRE(proxy.runUntil([&] { return proxy.worker().pool().idleCount() == 0; }));
  REQUIRE(proxy.exchange(*client, buildRequest("GET", "/again")));
  CHECK(b1.connections() == 2);
}

} // namespace tether::test
