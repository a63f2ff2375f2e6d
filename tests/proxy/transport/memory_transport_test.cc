// The transport room: a Transport's own contract, checked on the in-memory implementation
// (chunked reads, the water marks and their drained event, the lingering close, closing from a
// handler), and the same mechanisms through a whole client connection: a client that stops
// reading stops tether reading the backend, and nothing is lost when it reads again.

#include <catch2/catch.hpp>

#include <uv.h>

#include <optional>
#include <string>
#include <vector>

#include "proxy/transport/memory_transport.h"
#include "tests/support/memory_proxy.h"
#include "tests/support/proxy_fixture.h"

namespace tether::proxy::transport {
namespace {

// Records every event of one transport.
class Recorder : public Transport::Handler {
public:
  void onTransportReady() override { events.push_back("ready"); }
  void onTransportData(const char* data, size_t len) override {
    reads.emplace_back(data, len);
    if (close_on_data && transport) transport->close();
  }
  void onTransportEnd(TransportEnd end) override {
    events.push_back("end:" + std::string(endName(end)));
  }
  void onTransportDrained() override { events.push_back("drained"); }
  void onTransportClosed() override {
    events.push_back("closed");
    transport = nullptr;
  }

  Transport* transport = nullptr;
  std::vector<std::string> reads;
  std::vector<std::string> events;
  bool close_on_data = false;
};

// A loop kept alive by one referenced handle, as a worker's is by its async handle (the
// WriteBatch's own handles do not keep a loop alive).
struct Loop {
  uv_loop_t loop;
  uv_async_t keep_alive;
  std::optional<IoLoop> io;
  Loop() {
    uv_loop_init(&loop);
    uv_async_init(&loop, &keep_alive, nullptr);
    io.emplace(&loop);
  }
  void run(int n = 20) {
    for (int i = 0; i < n; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  }
  ~Loop() {
    uv_close(reinterpret_cast<uv_handle_t*>(&keep_alive), nullptr);
    io->close();
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

Transport* open(Loop& l, const MemoryPeerSharedPtr& peer, Recorder& r) {
  Transport* t = MemoryTransport::accepted(*l.io, peer, "198.51.100.7");
  t->setHandler(&r);
  r.transport = t;
  return t;
}

} // namespace

TEST_CASE("MemoryTransport hands bytes over in the chunks the peer chose, only while reading",
          "[proxy][transport]") {
  Loop l;
  auto peer = std::make_shared<MemoryPeer>();
  Recorder r;
  Transport* t = open(l, peer, r);
  CHECK(t->peerAddress() == "198.51.100.7");
  peer->setChunks({1, 3});
  peer->send("abcdefg");
  l.run();
  CHECK(r.reads.empty());  // not reading yet
  t->startReading();
  l.run();
  CHECK(r.reads == std::vector<std::string>{"a", "bcd", "e", "fg"});
  t->stopReading();
  peer->send("xyz");
  l.run();
  CHECK(r.reads.size() == 4);
  t->startReading();
  peer->sendEof();
  l.run();
  CHECK(r.reads.back() == "yz");
  // After the end the transport closes by itself.
  CHECK(r.events == std::vector<std::string>{"end:eof", "closed"});
  CHECK(peer->closed());
}

TEST_CASE("Transport water marks: backlogged above the high mark, drained below the low one",
          "[proxy][transport]") {
  Loop l;
  auto peer = std::make_shared<MemoryPeer>();
  Recorder r;
  Transport* t = open(l, peer, r);
  peer->pauseReading();
  const std::string big(Transport::kHighWater + 1, 'x');
  t->write(big);
  CHECK(t->queuedBytes() == big.size());
  CHECK(t->backlogged());
  l.run();
  CHECK(r.events.empty());
  peer->resumeReading();
  l.run();
  CHECK(r.events == std::vector<std::string>{"drained"});
  CHECK(peer->received() == big);
  CHECK(t->queuedBytes() == 0);
  // Deferred writes go out together, after the iteration that wrote them.
  t->writeDeferred("a");
  t->writeDeferred("b", "c");
  CHECK(peer->received().size() == big.size());
  l.run(1);
  CHECK(peer->received().substr(big.size()) == "abc");
  t->close();
  l.run();
}

TEST_CASE("Transport lingering close: flush, half-close, discard, close on the peer's EOF",
          "[proxy][transport]") {
  Loop l;
  auto peer = std::make_shared<MemoryPeer>();
  Recorder r;
  Transport* t = open(l, peer, r);
  t->startReading();
  peer->pauseReading();
  t->write("last response");
  t->closeAfterFlush(std::chrono::milliseconds(5000));
  l.run();
  CHECK_FALSE(peer->writeShutdown());  // still waiting for the peer to take the bytes
  peer->resumeReading();
  l.run();
  CHECK(peer->received() == "last response");
  CHECK(peer->writeShutdown());
  peer->send("late request bytes");  // discarded, never shown to the handler
  l.run();
  CHECK(r.reads.empty());
  CHECK_FALSE(peer->closed());
  peer->sendEof();
  l.run();
  CHECK(peer->closed());
  CHECK(r.events == std::vector<std::string>{"closed"});
}

TEST_CASE("Transport lingering close: a peer that never reads is dropped after the flush timeout",
          "[proxy][transport]") {
  Loop l;
  auto peer = std::make_shared<MemoryPeer>();
  Recorder r;
  Transport* t = open(l, peer, r);
  peer->pauseReading();
  t->write("never read");
  t->closeAfterFlush(std::chrono::milliseconds(20), std::chrono::milliseconds(5000));
  for (int i = 0; i < 100 && !peer->closed(); ++i) uv_run(&l.loop, UV_RUN_ONCE);
  CHECK(peer->closed());
  CHECK_FALSE(peer->writeShutdown());
  l.run();  // the close callbacks: the handler hears of it while it still exists
  CHECK(r.events == std::vector<std::string>{"closed"});
}

TEST_CASE("Transport: a handler may close from inside a data event", "[proxy][transport]") {
  Loop l;
  auto peer = std::make_shared<MemoryPeer>();
  Recorder r;
  r.close_on_data = true;
  Transport* t = open(l, peer, r);
  t->startReading();
  peer->setChunks({1});
  peer->send("abc");
  l.run();
  CHECK(r.reads == std::vector<std::string>{"a"});
  CHECK(r.events == std::vector<std::string>{"closed"});
}

TEST_CASE("MemoryConnector: a listened address connects, any other is refused",
          "[proxy][transport]") {
  Loop l;
  MemoryConnector connector;
  auto server = std::make_shared<MemoryPeer>();
  connector.listen("10.0.0.1:80", [&] { return server; });
  Recorder ok, refused;
  Transport* a = connector.connect(*l.io, "10.0.0.1", 80, 0);
  a->setHandler(&ok);
  Transport* b = connector.connect(*l.io, "10.0.0.2", 80, 0);
  b->setHandler(&refused);
  a->write("held until connected");
  CHECK(server->received().empty());
  l.run();
  CHECK(ok.events == std::vector<std::string>{"ready"});
  CHECK(server->received() == "held until connected");
  CHECK(refused.events == std::vector<std::string>{"end:connect_failed", "closed"});
  CHECK(connector.attempts("10.0.0.2:80") == 1);
  a->close();
  l.run();
}

} // namespace tether::proxy::transport

namespace tether::test {

TEST_CASE("transport in memory: a client that stops reading stops tether reading the backend",
          "[proxy][transport][memory]") {
  MemoryProxy proxy(ProxyFixture::makeConfig({ProxyFixture::backendAt("b1", 8001)}));
  auto& b1 = proxy.backend("b1");
  const std::string body = patternBody(2 * 1024 * 1024);
  b1.setResponder([&](const ParsedMessage&) { return b1.response(200, body); });
  auto client = proxy.connect();
  client->pauseReading();
  client->send(buildRequest("GET", "/big"));
  REQUIRE(proxy.runUntil([&] { return b1.requests().size() == 1; }));
  proxy.run(200);
  // Bounded on both sides: the client's queue stops near the high-water mark, and the rest of
  // the body waits at the backend, unread.
  CHECK(client->received().empty());
  CHECK(client->unread() < 4 * proxy::transport::Transport::kHighWater);
  REQUIRE(b1.peers().size() == 1);
  CHECK(b1.peers()[0]->undelivered() > body.size() / 2);
  client->resumeReading();
  REQUIRE(proxy.runUntil([&] { return parseMessage(client->received()).has_value(); }));
  const auto response = parseMessage(client->received());
  CHECK(response->body.size() == body.size());
  CHECK(matchesPattern(response->body));
}

} // namespace tether::test
