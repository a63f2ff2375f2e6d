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
// sending the configured token unless told not to. Json is a small strict JSON reader for
// /status and the other JSON answers (test-only, independent of tether's JsonWriter).
//
// Control-thread use only (the test's thread); the Server runs its own worker threads.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_model.h"
#include "config/snapshot.h"
#include "proxy/server.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/prometheus_parser.h"
#include "tests/support/test_client.h"

namespace tether::test {

// A parsed JSON value (RFC 8259). Lookups of missing members or out-of-range indexes return a
// shared null value, so chains like status["backends"][0]["drain"]["policy"] never throw.
class Json {
public:
  enum class Type { Null = 0, Bool, Number, String, Array, Object };

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  // The value, or a neutral one (false, 0, "") when the type differs.
  bool boolean() const { return type_ == Type::Bool && bool_; }
  double number() const { return type_ == Type::Number ? number_ : 0; }
  const std::string& str() const { return string_; }

  bool has(std::string_view key) const;
  const Json& operator[](std::string_view key) const;
  const Json& operator[](size_t index) const;
  size_t size() const { return type_ == Type::Array ? items_.size() : members_.size(); }
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }

  // Strict: one value, optional surrounding whitespace, nothing else. nullopt + `error` else.
  static std::optional<Json> parse(std::string_view text, std::string* error = nullptr);

private:
  friend class JsonParser;
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

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
