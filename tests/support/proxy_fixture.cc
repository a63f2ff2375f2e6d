#include "tests/support/proxy_fixture.h"

#include <catch2/catch.hpp>

namespace tether::test {

config::BackendConfig ProxyFixture::backend(const FakeUpstream& upstream) {
  return backendAt(upstream.name(), upstream.port());
}

config::BackendConfig ProxyFixture::backendAt(std::string name, uint16_t port) {
  config::BackendConfig b;
  b.name = std::move(name);
  b.address = {"127.0.0.1", port};
  b.weight = 1;
  return b;
}

config::Config ProxyFixture::makeConfig(std::vector<config::BackendConfig> backends) {
  config::Config cfg;
  cfg.listen = {{"127.0.0.1", 0}};
  cfg.workers = 1;
  cfg.backends = std::move(backends);
  cfg.routing.strategy = "round_robin";
  cfg.timeouts.connect = kConnectTimeout;
  cfg.timeouts.upstream_response = kUpstreamResponseTimeout;
  cfg.timeouts.client_header = kClientHeaderTimeout;
  cfg.timeouts.client_idle = kClientIdleTimeout;
  cfg.timeouts.graceful_shutdown = kGracefulShutdown;
  cfg.logging.access_log = "off";
  cfg.logging.level = "error";
  return cfg;
}

config::Config ProxyFixture::configFor(std::initializer_list<const FakeUpstream*> upstreams) {
  std::vector<config::BackendConfig> backends;
  for (const auto* u : upstreams) {
    backends.push_back(backend(*u));
  }
  return makeConfig(std::move(backends));
}

ProxyFixture::ProxyFixture(config::Config config) {
  // SIGPIPE is deliberately left alone: the support code writes with MSG_NOSIGNAL, and tether
  // must protect itself (Server::start ignores it; binary_test checks the real process).
  snapshot_ = config::buildSnapshot(std::move(config), 1);
  REQUIRE(snapshot_ != nullptr);
  server_ = std::make_unique<proxy::Server>(snapshot_);
  auto error = server_->start();
  INFO("Server::start() error: " << error.value_or(""));
  REQUIRE_FALSE(error.has_value());
  REQUIRE(server_->ports().size() == 1);
  port_ = server_->ports()[0];
  REQUIRE(port_ != 0);
}

ProxyFixture::~ProxyFixture() {
  if (!stopped_ && server_) {
    stopped_ = true;
    server_->shutdown();
    // CHECK, not REQUIRE: a destructor must not throw (it may run during unwinding).
    CHECK(server_->loopsClosedCleanly());
  }
}

void ProxyFixture::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  server_->shutdown();
  REQUIRE(server_->loopsClosedCleanly());
}

} // namespace tether::test
