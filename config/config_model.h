#pragma once
// Plain structs mirroring the YAML config file. Defaults are written next to each field and are
// the documented defaults (config_keys.h lists them per key; tests hold the table equal to these
// and to the docs). Built by ConfigLoader, checked by validate(), turned into an immutable
// Snapshot by buildSnapshot(). No libuv, no I/O here.
//
// A setting with a fixed set of values is an enum, parsed once by the loader; next to each enum is
// its name table (the n-th name is the n-th enumerator), which the loader reads with and messages
// print, so nothing downstream compares strings. Every struct compares with == (member by member),
// so a load can be compared with another or with a config built in code.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/cidr.h"
#include "routing/strategy_kind.h"

namespace tether::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

// A numeric IPv4/IPv6 address and port. Host names are not resolved: resolving would block the
// loop or race with it, and the users we serve deploy with fixed addresses.
struct SocketAddress {
  std::string host;  // "127.0.0.1", "::1"
  uint16_t port = 0;
  std::string toString() const;  // "127.0.0.1:80", "[::1]:80"
  bool operator==(const SocketAddress&) const = default;
};

// The operator's wish for a backend, from the config file (`state:`) or the admin API. Health
// (probes, passive ejection) is separate: a `ready` backend that fails its checks is down.
enum class AdminState : uint8_t { Ready = 0, Drain, Maintenance };
inline constexpr std::string_view kAdminStateNames[] = {"ready", "drain", "maintenance"};

struct BackendConfig {
  std::string name;       // stable identity; defaults to "host:port" when omitted
  SocketAddress address;
  uint32_t weight = 1;    // 1..1000
  AdminState state = AdminState::Ready;  // `state: ready | drain | maintenance`
  bool operator==(const BackendConfig&) const = default;
};

// One source of the session key, tried in order; the first present in a request wins.
struct KeySourceConfig {
  enum class Kind { Cookie = 0, Header, Query, SourceIp };
  static constexpr std::string_view kKindNames[] = {"cookie", "header", "query", "source_ip"};
  Kind kind = Kind::Cookie;
  std::string name;                            // cookie/header/query parameter name
  std::vector<routing::Cidr> trusted_proxies;  // source_ip: take the client from X-Forwarded-For
                                               // only when the TCP peer is one of these
  bool operator==(const KeySourceConfig&) const = default;
};

struct AffinityCookieConfig {
  bool enabled = false;                // true when the `affinity_cookie` map is present
  std::string name = "tether_affinity";
  Duration ttl = 24h;                  // absolute lifetime from first issue
  Duration idle_ttl = 0ms;             // 0 = none; else expires after this long unused
  std::string path = "/";
  std::string domain;                  // empty = host-only
  bool secure = false;
  bool http_only = true;
  std::string same_site = "Lax";       // Strict | Lax | None | "" (omit)
  std::vector<std::string> attributes; // extra attributes appended verbatim
  std::vector<std::string> secrets;    // first signs, all verify (rotation); required, >= 16 bytes
  bool operator==(const AffinityCookieConfig&) const = default;
};

struct StickTableConfig {
  bool enabled = false;                // true when the `stick_table` map is present
  uint64_t size = 1000000;             // entries; least recently used evicted beyond it
  Duration idle_ttl = 30min;           // an entry unused this long expires
  std::string persist;                 // file written on graceful shutdown, loaded at start
  bool operator==(const StickTableConfig&) const = default;
};

struct RoutingConfig {
  // What a request without a session key gets.
  enum class OnMissingKey { Assign = 0, RoundRobin, Random, Reject };
  static constexpr std::string_view kOnMissingKeyNames[] = {"assign", "round_robin", "random",
                                                            "reject"};
  // What bounded loads count.
  enum class LoadMetric { Sessions = 0, Requests };
  static constexpr std::string_view kLoadMetricNames[] = {"sessions", "requests"};

  // Names: routing::strategyNames().
  routing::StrategyKind strategy = routing::StrategyKind::RoundRobin;
  std::vector<KeySourceConfig> key;      // empty = no session key
  OnMissingKey on_missing_key = OnMissingKey::Assign;
  uint64_t hash_seed = 0;                // XXH3 seed for keys and backend names
  double balance_factor = 0;             // bounded loads c; 0 = off; else > 1.0
  LoadMetric load_metric = LoadMetric::Sessions;
  uint32_t ring_points_per_weight = 160; // ring.points_per_weight
  uint32_t maglev_table_size = 65537;    // maglev.table_size, prime
  uint32_t multiprobe_probes = 21;       // multiprobe.probes
  std::vector<std::string> jump_slots;   // jump.slots: backend names, "" = removed (tombstone)
  AffinityCookieConfig affinity_cookie;
  StickTableConfig stick_table;
  std::string learn_cookie;              // learn bindings from this Set-Cookie; "" = off
  bool operator==(const RoutingConfig&) const = default;
};

struct TimeoutsConfig {
  Duration client_header = 10s;     // first byte of a request head -> end of head
  Duration client_idle = 60s;       // keep-alive wait for the next request
  Duration connect = 2s;            // TCP connect to a backend
  Duration upstream_response = 30s; // request sent -> response head; also max gap while streaming
  Duration graceful_shutdown = 10s; // SIGTERM: how long in-flight requests may finish
  bool operator==(const TimeoutsConfig&) const = default;
};

struct LimitsConfig {
  uint32_t max_header_bytes = 16384;  // request line + headers; over it: 431
  uint64_t max_body_bytes = 0;        // 0 = unlimited; over it: 413
  uint32_t max_connections = 10000;   // per worker; further accepts are closed at once
  bool operator==(const LimitsConfig&) const = default;
};

struct UpstreamConfig {
  uint32_t max_idle_per_backend = 64;  // per worker
  Duration idle_timeout = 30s;         // idle pooled connection is closed after this
  // SO_RCVBUF of backend sockets, bytes; 0 = kernel autotuning. Bounded by default because a
  // paused read (client slower than backend) otherwise lets the kernel buffer up to
  // net.ipv4.tcp_rmem[2] (32 MiB on some hosts) per connection.
  uint32_t receive_buffer = 262144;
  // Connect failures (nothing sent yet) are retried on the next candidate this many times.
  uint32_t retries = 2;
  // Also retry (within `retries`) a bodiless idempotent request (GET, HEAD, OPTIONS, TRACE, PUT,
  // DELETE) whose backend reset or closed the connection after the request went out and before
  // any response byte came back. Off by default: the backend may have acted on it.
  bool retry_on_reset = false;
  bool operator==(const UpstreamConfig&) const = default;
};

// health.active: probes run by the control loop, one at a time per backend.
struct ActiveHealthConfig {
  bool enabled = false;               // true when the `active` map is present
  enum class Type { Http = 0, Tcp } type = Type::Http;
  static constexpr std::string_view kTypeNames[] = {"http", "tcp"};
  std::string path = "/health";       // http: request target, must start with '/'
  uint16_t expect_min = 200;          // http: `expect_status: 200-399` (or a single code)
  uint16_t expect_max = 399;
  std::string host;                   // http: Host header; "" = the backend's address
  Duration interval = 2s;             // between the end of one probe and the start of the next
  Duration timeout = 1s;              // connect + answer; must be below interval
  uint32_t rise = 2;                  // consecutive successes that bring a down backend up
  uint32_t fall = 3;                  // consecutive failures that take an up backend down
  uint32_t jitter_percent = 10;       // `jitter: 10%`: each interval varies by +-this much
  bool operator==(const ActiveHealthConfig&) const = default;
};

// health.passive: real traffic as a health signal (connect failures, resets, 502/504).
struct PassiveHealthConfig {
  bool enabled = false;               // true when the `passive` map is present
  uint32_t consecutive_failures = 5;  // failures in a row that eject the backend
  Duration eject_for = 10s;           // first ejection; doubles while failures continue
  Duration max_eject_for = 5min;      // ceiling of the doubling
  bool operator==(const PassiveHealthConfig&) const = default;
};

struct HealthConfig {
  ActiveHealthConfig active;
  PassiveHealthConfig passive;
  Duration slow_start = 0ms;          // 0 = off; ramp of a recovered/added backend's new sessions
  bool operator==(const HealthConfig&) const = default;
};

struct DrainConfig {
  Duration timeout = 0ms;             // 0 = none; after it, bound sessions are re-placed
  enum class Policy { Keep = 0, Migrate } policy = Policy::Keep;  // migrate: re-place at once
  static constexpr std::string_view kPolicyNames[] = {"keep", "migrate"};
  bool operator==(const DrainConfig&) const = default;
};

struct AdminConfig {
  bool enabled = false;                         // true when the `admin` map is present
  SocketAddress listen{"127.0.0.1", 9901};      // non-loopback needs a token
  std::string token;                            // "" = none; else `Authorization: Bearer <token>`
  bool operator==(const AdminConfig&) const = default;
};

struct ForwardingConfig {
  bool x_forwarded_for = true;             // add X-Forwarded-For/-Proto/-Host
  std::vector<routing::Cidr> trusted_proxies;  // peers whose X-Forwarded-* we append to
  bool operator==(const ForwardingConfig&) const = default;
};

struct LoggingConfig {
  // The process log's threshold (stderr). spdlogLevel() gives spdlog's number for it.
  enum class Level { Trace = 0, Debug, Info, Warn, Error, Off };
  static constexpr std::string_view kLevelNames[] = {"trace", "debug", "info", "warn", "error",
                                                     "off"};
  enum class Format { Text = 0, Json };
  static constexpr std::string_view kFormatNames[] = {"text", "json"};

  Level level = Level::Info;
  std::string access_log = "stdout";   // off | stdout | PATH
  Format format = Format::Text;        // of the access log
  bool operator==(const LoggingConfig&) const = default;
};

// spdlog's level number (spdlog::level::level_enum) for `level`. config/ does not depend on
// spdlog, so it returns the number and the caller casts; a test holds the two in step.
int spdlogLevel(LoggingConfig::Level level);

// A place in a config file, 1-based; line 0 = unknown (built in code, or the key was absent).
struct FilePosition {
  int line = 0;
  int column = 0;
  bool operator==(const FilePosition&) const = default;
};

// Where some keys were in the file, for checks that compare two configs after loading (a reload
// against the running config, config/reload_check.h) and still point into the file.
struct ConfigPositions {
  std::string file;           // the name errors use for the file ("" when built in code)
  FilePosition backends;      // the `backends` key
  FilePosition jump_slots;    // `routing.jump.slots`, when the file has it
  bool operator==(const ConfigPositions&) const = default;
};

struct Config {
  std::string source_path;                 // file it was read from ("" when from a string)
  ConfigPositions positions;               // where it was read from, not what it says
  std::vector<SocketAddress> listen;       // default 127.0.0.1:8080
  uint32_t workers = 0;                    // 0 = auto (one per core)
  std::vector<BackendConfig> backends;
  RoutingConfig routing;
  TimeoutsConfig timeouts;
  LimitsConfig limits;
  UpstreamConfig upstream;
  ForwardingConfig forwarding;
  LoggingConfig logging;
  HealthConfig health;
  DrainConfig drain;
  AdminConfig admin;
  bool operator==(const Config&) const = default;
};

} // namespace tether::config
