#pragma once
// Plain structs mirroring the YAML config file. Defaults are written next to each field and are
// the documented defaults (README "Configuration"). Built by ConfigLoader, checked by validate(),
// turned into an immutable Snapshot by buildSnapshot(). No libuv, no I/O here.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "routing/cidr.h"

namespace tether::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

// A numeric IPv4/IPv6 address and port. Host names are not resolved: resolving would block the
// loop or race with it, and the users we serve deploy with fixed addresses.
struct SocketAddress {
  std::string host;  // "127.0.0.1", "::1"
  uint16_t port = 0;
  std::string toString() const;  // "127.0.0.1:80", "[::1]:80"
};

struct BackendConfig {
  std::string name;       // stable identity; defaults to "host:port" when omitted
  SocketAddress address;
  uint32_t weight = 1;    // 1..1000
};

struct RoutingConfig {
  std::string strategy = "round_robin";
};

struct TimeoutsConfig {
  Duration client_header = 10s;     // first byte of a request head -> end of head
  Duration client_idle = 60s;       // keep-alive wait for the next request
  Duration connect = 2s;            // TCP connect to a backend
  Duration upstream_response = 30s; // request sent -> response head; also max gap while streaming
  Duration graceful_shutdown = 10s; // SIGTERM: how long in-flight requests may finish
};

struct LimitsConfig {
  uint32_t max_header_bytes = 16384;  // request line + headers; over it: 431
  uint64_t max_body_bytes = 0;        // 0 = unlimited; over it: 413
  uint32_t max_connections = 10000;   // per worker; further accepts are closed at once
};

struct UpstreamConfig {
  uint32_t max_idle_per_backend = 64;  // per worker
  Duration idle_timeout = 30s;         // idle pooled connection is closed after this
};

struct ForwardingConfig {
  bool x_forwarded_for = true;             // add X-Forwarded-For/-Proto/-Host
  std::vector<routing::Cidr> trusted_proxies;  // peers whose X-Forwarded-* we append to
};

struct LoggingConfig {
  std::string level = "info";          // trace|debug|info|warn|error|off
  std::string access_log = "stdout";   // off | stdout | PATH
  std::string format = "text";         // text | json
};

struct Config {
  std::string source_path;                 // file it was read from ("" when from a string)
  std::vector<SocketAddress> listen;       // default 127.0.0.1:8080
  uint32_t workers = 0;                    // 0 = auto (one per core)
  std::vector<BackendConfig> backends;
  RoutingConfig routing;
  TimeoutsConfig timeouts;
  LimitsConfig limits;
  UpstreamConfig upstream;
  ForwardingConfig forwarding;
  LoggingConfig logging;
};

} // namespace tether::config
