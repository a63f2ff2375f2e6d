// The admin room through whole admin connections, in memory: AdminServer, AdminApi and the
// metrics page over a MemoryTransport, reading a stand-in DataPlaneView and acting through a
// stand-in AdminActions. Nothing here knows the rest of the proxy, which is the point.

#include <catch2/catch.hpp>

#include <uv.h>

#include <optional>
#include <string>

#include "proxy/admin/admin_api.h"
#include "proxy/admin/admin_server.h"
#include "proxy/transport/memory_transport.h"
#include "tests/support/json_value.h"
#include "tests/support/memory_proxy.h"
#include "tests/support/prometheus_parser.h"

namespace tether::proxy::admin {
namespace {

using test::buildRequest;
using test::parseMessage;

class FakeView : public DataPlaneView, public AdminActions {
public:
  FakeView() {
    status_.version = 7;
    status_.config_file = "/etc/tether.yaml";
    status_.workers = 1;
    status_.active_checks = true;
    BackendStatus a;
    a.name = "app1";
    a.address = "10.0.0.1:80";
    a.weight = 2;
    a.bound_sessions = 12;
    a.totals.in_flight = 3;
    a.totals.requests[2][3] = 40;  // 2xx, placed_primary
    a.probe = ProbeDetail{true, "200 OK", 9};
    status_.backends.push_back(a);
    BackendStatus b;
    b.name = "app2";
    b.address = "10.0.0.2:80";
    b.detail.state = health::BackendState::Draining;
    b.detail.admin = config::AdminState::Drain;
    b.detail.drain_since_unix_ms = 1700000000000;
    status_.backends.push_back(b);
    status_.stick_table = StickTableStats{12, 0};
  }

  DataPlaneStatus status() const override { return status_; }
  uint32_t workerCount() const override { return 1; }
  const WorkerMetrics& workerMetrics(uint32_t) const override { return metrics_; }

  std::optional<BackendChange> setBackendState(std::string_view name,
                                               config::AdminState target) override {
    changes.emplace_back(std::string(name), target);
    if (name != "app1") return std::nullopt;
    return BackendChange{health::BackendState::Draining, true};
  }
  void reload(ReloadDone done) override {
    ++reloads;
    done(ReloadOutcome{true, 8, {}, {}});
  }

  std::vector<std::pair<std::string, config::AdminState>> changes;
  int reloads = 0;

private:
  DataPlaneStatus status_;
  WorkerMetrics metrics_;
};

// An AdminServer with the real AdminApi on a loop the test turns; clients in memory.
struct AdminRoom {
  uv_loop_t loop;
  std::optional<transport::IoLoop> io;
  FakeView view;
  std::optional<AdminApi> api;
  AdminServer* server = nullptr;

  explicit AdminRoom(std::string token = {}) {
    uv_loop_init(&loop);
    io.emplace(&loop);
    api.emplace(view, view);
    server = new AdminServer(*io, std::move(token),
                             [this](const AdminRequest& r, AdminReply reply) {
                               api->handle(r, std::move(reply));
                             });
  }
  ~AdminRoom() {
    server->close([this] {
      delete server;
      io->close();
    });
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }

  transport::MemoryPeerSharedPtr connect(std::vector<size_t> chunks = {}) {
    auto peer = std::make_shared<transport::MemoryPeer>();
    peer->setChunks(std::move(chunks));
    server->adopt(transport::MemoryTransport::accepted(*io, peer, "127.0.0.1"));
    return peer;
  }
  void run(int n = 50) {
    for (int i = 0; i < n; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  }
  std::optional<test::ParsedMessage> ask(transport::MemoryPeer& peer, const std::string& request) {
    const size_t before = peer.received().size();
    peer.send(request);
    run();
    return parseMessage(std::string_view(peer.received()).substr(before));
  }
};

} // namespace

TEST_CASE("admin in memory: /status reports the view, a byte at a time", "[proxy][admin][memory]") {
  AdminRoom room;
  auto client = room.connect({1});
  const auto r = room.ask(*client, buildRequest("GET", "/status"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->headers.get("content-type") == "application/json");
  const auto json = test::Json::parse(r->body);
  REQUIRE(json);
  CHECK((*json)["version"].asNumber() == 7);
  CHECK((*json)["config_file"].str() == "/etc/tether.yaml");
  const auto& backends = (*json)["backends"];
  REQUIRE(backends.size() == 2);
  CHECK(backends[0]["name"].str() == "app1");
  CHECK(backends[0]["bound_sessions"].asNumber() == 12);
  CHECK(backends[0]["requests"].asNumber() == 40);
  CHECK(backends[0]["health"]["active"]["detail"].str() == "200 OK");
  CHECK(backends[1]["state"].str() == "draining");
  CHECK(backends[1]["drain"]["bound_sessions_left"].asNumber() == 0);
}

TEST_CASE("admin in memory: /metrics renders the view in strict Prometheus text",
          "[proxy][admin][memory]") {
  AdminRoom room;
  auto client = room.connect();
  const auto r = room.ask(*client, buildRequest("GET", "/metrics"));
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto parsed = test::parsePrometheusText(r->body);
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  CHECK(parsed.value("tether_bound_sessions", {{"backend", "app1"}}) == 12);
  CHECK(parsed.value("tether_config_version") == 7);
  CHECK(parsed.value("tether_backend_state", {{"backend", "app2"}, {"state", "draining"}}) == 1);
}

TEST_CASE("admin in memory: actions go through AdminActions, keep-alive pipelined in order",
          "[proxy][admin][memory]") {
  AdminRoom room;
  auto client = room.connect();
  client->send(buildRequest("POST", "/backends/app1/drain") +
               buildRequest("POST", "/backends/nosuch/drain") + buildRequest("POST", "/reload"));
  room.run();
  const auto answers = test::parseMessages(client->received());
  REQUIRE(answers.size() == 3);
  CHECK(answers[0].status == 200);
  CHECK(answers[1].status == 404);
  CHECK(answers[2].status == 200);
  REQUIRE(room.view.changes.size() == 2);
  CHECK(room.view.changes[0].first == "app1");
  CHECK(room.view.changes[0].second == config::AdminState::Drain);
  CHECK(room.view.reloads == 1);
}

TEST_CASE("admin in memory: a refused request is answered, then the connection closes lingering",
          "[proxy][admin][memory]") {
  AdminRoom room("secret-token-0123456789");
  auto client = room.connect();
  const auto r = room.ask(*client, buildRequest("GET", "/status"));
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(client->writeShutdown());
  CHECK_FALSE(client->closed());
  client->sendEof();
  room.run();
  CHECK(client->closed());
}

} // namespace tether::proxy::admin
