#pragma once
// ProxyFixture: one in-process tether (proxy::Server) in front of FakeUpstreams, for integration
// tests. Builds a config::Config the way a small YAML file would (listen 127.0.0.1:0, one worker,
// access log off, short timeouts), turns it into a Snapshot and starts the Server; port() is the
// port it actually bound.
//
// Teardown is part of the test: stop() (or the destructor) runs Server::shutdown() and then
// checks loopsClosedCleanly(), so a leaked libuv handle fails the test that leaked it. Declare
// the FakeUpstreams before the fixture and the TestClients after it, so clients close first and
// upstreams outlive the proxy.
//
// Admin API: enableAdmin() turns the admin listener on (127.0.0.1:0, optional token); admin(),
// adminGet(), adminPost(), status() and metrics() talk to it, one fresh connection per request,
// sending the configured token unless told not to. JSON answers are read with Json
// (json_value.h).
//
// Control-thread use only (the test's thread); the Server runs its own worker threads.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_model.h"
#include "config/snapshot.h"
#include "proxy/server.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/json_value.h"
#include "tests/support/prometheus_parser.h"
#include "tests/support/test_client.h"

namespace tether::test {

// One answer of the admin listener.
struct AdminResult {
  int status = 0;
  HeaderList headers;
  std::string body;
};

class ProxyFixture {
public:
  // Defaults for tests; each is far below the production default so a missed timeout shows up
  // as a failed wait, not as a test that runs for a minute.
  static constexpr Millis kConnectTimeout{1000};
  static constexpr Millis kUpstreamResponseTimeout{3000};
  static constexpr Millis kClientHeaderTimeout{3000};
  static constexpr Millis kClientIdleTimeout{5000};
  static constexpr Millis kGracefulShutdown{1000};

  static config::BackendConfig backend(const FakeUpstream& upstream);
  static config::BackendConfig backendAt(std::string name, uint16_t port);
  // A config with the given backends and the test defaults above.
  static config::Config makeConfig(std::vector<config::BackendConfig> backends);
  static config::Config configFor(std::initializer_list<const FakeUpstream*> upstreams);
  // Sticky routing for tests: `strategy` placement keyed by the request header `header`, with
  // bindings in the stick table.
  static void stickByHeader(config::Config& config, std::string header,
                            routing::StrategyKind strategy = routing::StrategyKind::Ring);

  // Starts tether; REQUIREs that start() succeeded and bound a port.
  explicit ProxyFixture(config::Config config);
  ~ProxyFixture();
  ProxyFixture(const ProxyFixture&) = delete;
  ProxyFixture& operator=(const ProxyFixture&) = delete;

  uint16_t port() const { return port_; }
  proxy::Server& server() { return *server_; }
  const config::Config& config() const { return snapshot_->config; }

  TestClient connect(ClientOptions options = {}) const { return TestClient(port_, options); }

  // shutdown() + REQUIRE(loopsClosedCleanly()). Idempotent.
  void stop();

  // ---- admin API ----------------------------------------------------------------------------
  // Turns the admin listener on at 127.0.0.1:0 (a free port), with `token` ("" = none).
  static void enableAdmin(config::Config& config, std::string token = {});
  uint16_t adminPort() const { return server_->adminPort(); }
  // One request on a fresh connection to the admin port; REQUIREs a complete response.
  // `with_token`: add "Authorization: Bearer <config().admin.token>" when a token is set.
  AdminResult admin(std::string_view method, std::string_view path, HeaderList headers = {},
                    bool with_token = true) const;
  AdminResult adminGet(std::string_view path) const { return admin("GET", path); }
  AdminResult adminPost(std::string_view path) const { return admin("POST", path); }
  // GET /status: REQUIREs 200 and valid JSON.
  Json status() const;
  // The /status entry of backend `name`; REQUIREs that it exists.
  Json backendStatus(std::string_view name) const;
  // GET /metrics: REQUIREs 200 and a clean parse by the strict Prometheus parser.
  PromParseResult metrics() const;

private:
  config::SnapshotConstSharedPtr snapshot_;
  std::unique_ptr<proxy::Server> server_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

} // namespace tether::test
