// The core room through whole client connections, in memory: routing and binding by the
// Exchange, its counters, and the connection's states (keep-alive, tunnel, closing, a client
// that leaves mid-exchange), with no socket.

#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tests/support/memory_proxy.h"
#include "tests/support/proxy_fixture.h"

namespace tether::test {
namespace {

config::Config threeBackends() {
  return ProxyFixture::makeConfig({ProxyFixture::backendAt("b1", 8001),
                                   ProxyFixture::backendAt("b2", 8002),
                                   ProxyFixture::backendAt("b3", 8003)});
}

uint64_t requestsTotal(MemoryProxy& proxy) {
  uint64_t n = 0;
  for (const auto& b : proxy.worker().generation()->backends->records()) n += b->totals().allRequests();
  return n;
}

} // namespace

TEST_CASE("core in memory: a session key keeps a user on one backend, across connections",
          "[proxy][core][memory]") {
  auto cfg = threeBackends();
  ProxyFixture::stickByHeader(cfg, "X-User");
  MemoryProxy proxy(cfg);
  std::map<std::string, std::string> home;
  for (int round = 0; round < 3; ++round) {
    for (int user = 0; user < 20; ++user) {
      auto client = proxy.connect({3});
      const auto r = proxy.exchange(
          *client, buildRequest("GET", "/", {{"X-User", "user-" + std::to_string(user)}}));
      REQUIRE(r);
      REQUIRE(r->status == 200);
      const std::string backend = *r->headers.get("x-backend");
      auto [it, inserted] = home.emplace(std::to_string(user), backend);
      CHECK(it->second == backend);
    }
  }
  std::set<std::string> used;
  for (const auto& [user, backend] : home) used.insert(backend);
  CHECK(used.size() > 1);  // placed over several backends, then bound
  CHECK(requestsTotal(proxy) == 60);
}

TEST_CASE("core in memory: no usable backend is 503, counted as unrouted",
          "[proxy][core][memory]") {
  MemoryProxy proxy(threeBackends());
  for (const auto& b : proxy.worker().generation()->backends->records()) {
    b->setAdmin(config::AdminState::Maintenance, 0, 0);
  }
  auto client = proxy.connect();
  const auto r = proxy.exchange(*client, buildRequest("GET", "/"));
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(proxy.metrics().unrouted[5].load() == 1);
}

TEST_CASE("core in memory: a 101 turns the connection into a tunnel both ways",
          "[proxy][core][memory]") {
  MemoryProxy proxy(ProxyFixture::makeConfig({ProxyFixture::backendAt("b1", 8001)}));
  auto& b1 = proxy.backend("b1");
  b1.setResponder([](const ParsedMessage&) {
    return std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nhello");
  });
  auto client = proxy.connect();
  const auto r = proxy.exchange(
      *client, buildRequest("GET", "/ws", {{"Upgrade", "echo"}, {"Connection", "upgrade"}}));
  REQUIRE(r);
  CHECK(r->status == 101);
  REQUIRE(proxy.runUntil([&] { return client->received().ends_with("hello"); }));
  client->send("ping");
  REQUIRE(b1.peers().size() == 1);
  auto& server = *b1.peers()[0];
  // The backend's on_receive now sees raw bytes; read them directly.
  server.on_receive = nullptr;
  REQUIRE(proxy.runUntil([&] { return server.received().find("ping") != std::string::npos; }));
  server.send("pong");
  REQUIRE(proxy.runUntil([&] { return client->received().ends_with("pong"); }));
  server.sendEof();
  REQUIRE(proxy.runUntil([&] { return client->writeShutdown(); }));
}

TEST_CASE("core in memory: a client that leaves mid-exchange frees the backend connection",
          "[proxy][core][memory]") {
  MemoryProxy proxy(ProxyFixture::makeConfig({ProxyFixture::backendAt("b1", 8001)}));
  auto& b1 = proxy.backend("b1");
  b1.setResponder([](const ParsedMessage&) { return std::string(); });  // never answers
  auto client = proxy.connect();
  client->send(buildRequest("GET", "/slow"));
  REQUIRE(proxy.runUntil([&] { return b1.requests().size() == 1; }));
  const auto& record = *proxy.worker().generation()->backends->records()[0];
  CHECK(record.totals().in_flight == 1);
  client->reset();
  REQUIRE(proxy.runUntil([&] { return client->closed() && b1.peers()[0]->closed(); }));
  CHECK(record.totals().in_flight == 0);
  CHECK(proxy.worker().pool().liveCount() == 0);
}

TEST_CASE("core in memory: Connection: close ends with a lingering close after the response",
          "[proxy][core][memory]") {
  MemoryProxy proxy(ProxyFixture::makeConfig({ProxyFixture::backendAt("b1", 8001)}));
  auto client = proxy.connect();
  const auto r = proxy.exchange(*client, buildRequest("GET", "/", {{"Connection", "close"}}));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->headers.hasToken("connection", "close"));
  REQUIRE(proxy.runUntil([&] { return client->writeShutdown(); }));
  client->sendEof();
  REQUIRE(proxy.runUntil([&] { return client->closed(); }));
  // The backend connection went back to the pool: only the client side closed.
  CHECK(proxy.worker().pool().idleCount() == 1);
}

} // namespace tether::test
