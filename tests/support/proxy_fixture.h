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
// Control-thread use only (the test's thread); the Server runs its own worker threads.

#include <chrono>
#include <memory>
#include <vector>

#include "config/config_model.h"
#include "config/snapshot.h"
#include "proxy/server.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/test_client.h"

namespace tether::test {

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

private:
  config::SnapshotConstSharedPtr snapshot_;
  std::unique_ptr<proxy::Server> server_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

} // namespace tether::test
