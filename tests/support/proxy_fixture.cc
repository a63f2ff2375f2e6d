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
  cfg.routing.strategy = routing::StrategyKind::RoundRobin;
  cfg.timeouts.connect = kConnectTimeout;
  cfg.timeouts.upstream_response = kUpstreamResponseTimeout;
  cfg.timeouts.client_header = kClientHeaderTimeout;
  cfg.timeouts.client_idle = kClientIdleTimeout;
  cfg.timeouts.graceful_shutdown = kGracefulShutdown;
  cfg.logging.access_log = "off";
  cfg.logging.level = config::LoggingConfig::Level::Error;
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

void ProxyFixture::stickByHeader(config::Config& config, std::string header,
                                 routing::StrategyKind strategy) {
  config.routing.strategy = strategy;
  config::KeySourceConfig key;
  key.kind = config::KeySourceConfig::Kind::Header;
  key.name = std::move(header);
  config.routing.key = {key};
  config.routing.stick_table.enabled = true;
}

void ProxyFixture::enableAdmin(config::Config& config, std::string token) {
  config.admin.enabled = true;
  config.admin.listen = {"127.0.0.1", 0};
  config.admin.token = std::move(token);
}

AdminResult ProxyFixture::admin(std::string_view method, std::string_view path, HeaderList headers,
                                bool with_token) const {
  const uint16_t port = adminPort();
  INFO("admin " << method << " " << path);
  REQUIRE(port != 0);
  if (with_token && !config().admin.token.empty() && !headers.has("Authorization")) {
    headers.add("Authorization", "Bearer " + config().admin.token);
  }
  TestClient c(port);
  REQUIRE(c.connected());
  auto r = c.roundTrip(buildRequest(method, path, headers));
  INFO("client error: " << c.lastError());
  REQUIRE(r);
  REQUIRE(r->complete);
  return {r->status, std::move(r->headers), std::move(r->body)};
}

Json ProxyFixture::status() const {
  auto r = adminGet("/status");
  INFO("GET /status body: " << r.body);
  REQUIRE(r.status == 200);
  std::string error;
  auto json = Json::parse(r.body, &error);
  INFO("JSON error: " << error);
  REQUIRE(json);
  return std::move(*json);
}

Json ProxyFixture::backendStatus(std::string_view name) const {
  Json s = status();
  for (const auto& b : s["backends"].items()) {
    if (b["name"].str() == name) return b;
  }
  FAIL("no backend named " << name << " in /status");
  return {};
}

PromParseResult ProxyFixture::metrics() const {
  auto r = adminGet("/metrics");
  INFO("GET /metrics body:\n" << r.body);
  REQUIRE(r.status == 200);
  auto parsed = parsePrometheusText(r.body);
  INFO("parse error: " << parsed.error);
  REQUIRE(parsed.ok());
  return parsed;
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
