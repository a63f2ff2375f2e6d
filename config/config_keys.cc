// The table of config keys (see config_keys.h). Defaults here are the documented ones: a test
// loads every default_value and expects the same Config as leaving the key out, so a default
// changed in config_model.h without changing it here (and in the docs) fails.

#include "config/config_keys.h"

#include <algorithm>

namespace tether::config {
namespace {

using Kind = ConfigKey::Kind;
using Applies = ConfigKey::Applies;

// Row builders, so each row reads as path, shape, default, meaning.
constexpr ConfigKey key(std::string_view path, std::string_view shape,
                        std::string_view default_value, std::string_view meaning) {
  return {path, Kind::Value, shape, default_value, "", "", meaning};
}
// A key whose default is not a value (required, derived, or absent): documented as `text`.
constexpr ConfigKey keyWithout(std::string_view path, std::string_view shape,
                               std::string_view text, std::string_view example,
                               std::string_view meaning) {
  return {path, Kind::Value, shape, "", text, example, meaning};
}
constexpr ConfigKey group(std::string_view path, std::string_view meaning) {
  return {path, Kind::Group, "map", "{}", "", "", meaning};
}
constexpr ConfigKey section(std::string_view path, std::string_view example,
                            std::string_view meaning) {
  return {path, Kind::Section, "map", "", "absent (off)", example, meaning};
}
// The default documented with a gloss: "0 (off)".
constexpr ConfigKey documented(ConfigKey k, std::string_view text) {
  k.default_text = text;
  return k;
}
constexpr ConfigKey atRestart(ConfigKey k) {
  k.applies = Applies::AtRestart;
  return k;
}

constexpr ConfigKey kKeys[] = {
    atRestart(key("listen", "an address or a list of addresses", "127.0.0.1:8080",
                  "where clients connect; port 0 picks a free port")),
    atRestart(key("workers", "auto or a whole number in 1..256", "auto",
                  "event-loop threads, each with its own SO_REUSEPORT listener; auto = one per "
                  "core")),
    keyWithout("backends", "a list of maps", "required",
               "[{name: app1, address: 127.0.0.1:9001}]", "the upstream servers"),
    keyWithout("backends[].name", "printable ASCII without spaces", "address", "app1",
               "stable identity: routing hashes on it, never on list position"),
    keyWithout("backends[].address", "an address", "required", "127.0.0.1:9001",
               "IPv4:port or [IPv6]:port of the backend"),
    key("backends[].weight", "a whole number in 1..1000", "1",
        "relative share of new sessions"),
    key("backends[].state", "one of: ready, drain, maintenance", "ready",
        "the operator's wish for the backend; applied when the file changes it"),

    group("routing", "session keys, placement strategy, bounded loads and bindings"),
    key("routing.strategy",
        "one of: round_robin, ring, maglev, rendezvous, jump, multiprobe, random, ip_hash_modulo",
        "round_robin", "how a new session picks a backend"),
    documented(key("routing.key", "a list of one-key maps", "[]",
                   "where the session key comes from; the first present source wins"),
               "[] (no key)"),
    keyWithout("routing.key[].cookie", "a cookie name", "—", "JSESSIONID",
               "the key is this cookie's value"),
    keyWithout("routing.key[].header", "a header name", "—", "X-Session-Id",
               "the key is this header's value"),
    keyWithout("routing.key[].query", "a query parameter name", "—", "sid",
               "the key is this query parameter's value, not percent-decoded"),
    {"routing.key[].source_ip", Kind::Value, "a map", "", "{}", "{}",
     "the key is the client address"},
    documented(key("routing.key[].source_ip.trusted_proxies", "a list of networks", "[]",
                   "peers whose X-Forwarded-For names the client"),
               "[] (the TCP peer is the client)"),
    key("routing.on_missing_key", "one of: assign, round_robin, random, reject", "assign",
        "what a request without a key gets"),
    key("routing.hash_seed", "a whole number in 0..18446744073709551615", "0",
        "XXH3 seed for session keys and backend names"),
    documented(key("routing.balance_factor", "0, or a decimal number above 1.0 up to 100", "0",
                   "bounded loads: a backend takes a new session only below c x its share"),
               "0 (off)"),
    key("routing.load_metric", "one of: sessions, requests", "sessions",
        "what balance_factor counts"),
    group("routing.ring", "knobs of strategy ring"),
    key("routing.ring.points_per_weight", "a whole number in 1..10000", "160",
        "ring points per unit of backend weight"),
    group("routing.maglev", "knobs of strategy maglev"),
    key("routing.maglev.table_size", "a prime number up to 10000019", "65537",
        "Maglev lookup table size; with strategy maglev at least 100 x the backends"),
    group("routing.multiprobe", "knobs of strategy multiprobe"),
    key("routing.multiprobe.probes", "a whole number in 1..1000", "21",
        "hash probes per lookup"),
    group("routing.jump", "knobs of strategy jump"),
    keyWithout("routing.jump.slots", "a list of backend names and ~", "backends in config order",
               "[app1]", "jump's slot order; ~ marks a removed backend's slot"),
    section("routing.affinity_cookie", "{secrets: [0123456789abcdef]}",
            "a signed cookie naming the chosen backend"),
    key("routing.affinity_cookie.name", "a cookie name", "tether_affinity", "the cookie's name"),
    key("routing.affinity_cookie.ttl", "a duration", "24h",
        "absolute lifetime from first issue"),
    keyWithout("routing.affinity_cookie.idle_ttl", "a duration", "none", "30m",
               "expiry after this long unused; at most ttl"),
    key("routing.affinity_cookie.path", "a path starting with /", "/", "the cookie's Path"),
    keyWithout("routing.affinity_cookie.domain", "a host name", "host-only", "example.com",
               "the cookie's Domain"),
    key("routing.affinity_cookie.secure", "true or false", "false", "adds Secure"),
    key("routing.affinity_cookie.http_only", "true or false", "true", "adds HttpOnly"),
    key("routing.affinity_cookie.same_site", "one of: Strict, Lax, None", "Lax",
        "the cookie's SameSite; None requires secure"),
    key("routing.affinity_cookie.attributes", "a list of text", "[]",
        "extra attributes, appended verbatim"),
    keyWithout("routing.affinity_cookie.secrets", "a list of secrets of at least 16 bytes",
               "— (required)", "[0123456789abcdef]",
               "HMAC keys: the first signs, all verify"),
    section("routing.stick_table", "{}", "a table of session key -> backend bindings"),
    atRestart(key("routing.stick_table.size", "a whole number in 1..100000000", "1000000",
                  "entries; the least recently used is evicted beyond it")),
    atRestart(key("routing.stick_table.idle_ttl", "a duration", "30m",
                  "an entry unused this long expires")),
    keyWithout("routing.stick_table.persist", "a file path", "none", "/var/lib/tether/stick.table",
               "written at graceful shutdown, loaded at start"),
    keyWithout("routing.learn_cookie", "a cookie name", "none", "JSESSIONID",
               "learn bindings from this cookie in backends' Set-Cookie; needs stick_table"),

    group("timeouts", "how long tether waits"),
    key("timeouts.client_header", "a duration", "10s",
        "first byte of a request head to its end; then 408"),
    key("timeouts.client_idle", "a duration", "60s", "keep-alive wait for the next request"),
    key("timeouts.connect", "a duration", "2s", "TCP connect to a backend; then 502"),
    key("timeouts.upstream_response", "a duration", "30s",
        "request sent to response head, and the longest pause while streaming; then 504"),
    key("timeouts.graceful_shutdown", "a duration", "10s",
        "how long in-flight requests may finish after SIGTERM"),

    group("limits", "request and connection limits"),
    key("limits.max_header_bytes", "a whole number in 1024..1048576", "16384",
        "request line and headers; over it: 431"),
    key("limits.max_body_bytes", "a whole number in 0..18446744073709551615", "0",
        "request body limit, 0 = unlimited; over it: 413"),
    key("limits.max_connections", "a whole number in 1..1000000", "10000",
        "client connections per worker"),

    group("upstream", "connections to backends"),
    key("upstream.max_idle_per_backend", "a whole number in 0..1000000", "64",
        "idle keep-alive connections kept per backend per worker"),
    key("upstream.idle_timeout", "a duration", "30s", "an idle pooled connection closes after it"),
    key("upstream.receive_buffer", "a whole number in 0..67108864", "262144",
        "SO_RCVBUF of backend sockets in bytes; 0 = kernel autotuning"),
    key("upstream.retries", "a whole number in 0..10", "2",
        "connect failures retried on the key's next candidate"),
    key("upstream.retry_on_reset", "true or false", "false",
        "also retry a bodiless idempotent request reset before any response byte"),

    group("forwarding", "X-Forwarded-* headers"),
    key("forwarding.x_forwarded_for", "true or false", "true",
        "add X-Forwarded-For, -Proto and -Host"),
    key("forwarding.trusted_proxies", "a list of networks", "[]",
        "peers whose X-Forwarded-* are kept and appended to"),

    group("logging", "process log and access log"),
    key("logging.level", "one of: trace, debug, info, warn, error, off", "info",
        "process log threshold (stderr)"),
    atRestart(key("logging.access_log", "off, stdout or a file path", "stdout",
                  "where access log lines go")),
    atRestart(key("logging.format", "one of: text, json", "text", "access log line format")),

    group("health", "active and passive health checks, slow start"),
    section("health.active", "{}", "probes run by the control loop"),
    key("health.active.type", "one of: http, tcp", "http", "an HTTP request or a TCP connect"),
    key("health.active.path", "a path starting with /", "/health", "the probe's request target"),
    key("health.active.expect_status", "a status code or a range such as 200-399", "200-399",
        "passing status codes"),
    keyWithout("health.active.host", "a Host header value", "the backend's address",
               "example.internal", "the probe's Host header"),
    key("health.active.interval", "a duration", "2s",
        "from the end of one probe to the start of the next"),
    key("health.active.timeout", "a duration", "1s",
        "connect plus answer; shorter than interval"),
    key("health.active.rise", "a whole number in 1..100", "2",
        "passing probes in a row that bring a backend up"),
    key("health.active.fall", "a whole number in 1..100", "3",
        "failed probes in a row that take a backend down"),
    key("health.active.jitter", "a percentage in 0%..50%", "10%",
        "each interval varies at random by up to this much"),
    section("health.passive", "{}", "real traffic as a health signal"),
    key("health.passive.consecutive_failures", "a whole number in 1..1000", "5",
        "failures in a row that eject the backend"),
    key("health.passive.eject_for", "a duration", "10s",
        "the first ejection; doubles while failures continue"),
    key("health.passive.max_eject_for", "a duration", "5m", "the ceiling of the doubling"),
    documented(key("health.slow_start", "a duration, or 0s for off", "0s",
                   "ramp of a recovered or added backend's share of new sessions"),
               "0s (off)"),

    group("drain", "what draining a backend does to its sessions"),
    documented(key("drain.timeout", "a duration, or 0s for none", "0s",
                   "how long keep keeps bound sessions on a draining backend"),
               "0s (none)"),
    key("drain.policy", "one of: keep, migrate", "keep",
        "keep bound sessions until they expire, or re-place them at once"),

    atRestart(section("admin", "{}", "the admin API's own listener")),
    atRestart(key("admin.listen", "an address", "127.0.0.1:9901",
                  "the admin listener; non-loopback needs a token")),
    atRestart(keyWithout("admin.token", "at least 16 printable characters", "none",
                         "0123456789abcdef", "bearer token every admin request must carry")),
};

} // namespace

std::string_view ConfigKey::name() const {
  const size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

std::string_view ConfigKey::parent() const {
  const size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}

std::span<const ConfigKey> configKeys() { return kKeys; }

const ConfigKey* findConfigKey(std::string_view path) {
  for (const ConfigKey& k : kKeys) {
    if (k.path == path) return &k;
  }
  return nullptr;
}

std::vector<std::string_view> childKeyNames(std::string_view path) {
  std::vector<std::string_view> out;
  for (const ConfigKey& k : kKeys) {
    if (k.parent() == path) out.push_back(k.name());
  }
  return out;
}

std::string keyPathOf(std::string_view field_path) {
  std::string out;
  out.reserve(field_path.size());
  bool in_index = false;
  for (char c : field_path) {
    if (c == '[') {
      out += "[]";
      in_index = true;
    } else if (c == ']') {
      in_index = false;
    } else if (!in_index) {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> checkReaderKeys(std::string_view path,
                                           const std::vector<std::string_view>& names) {
  const auto table = childKeyNames(path);
  if (names == table) return std::nullopt;
  auto list = [](const std::vector<std::string_view>& v) {
    std::string s;
    for (auto n : v) s += (s.empty() ? "" : ", ") + std::string(n);
    return s;
  };
  std::string why = "the reader of '" + std::string(path.empty() ? "top level" : path) +
                    "' handles [" + list(names) + "] but the key table lists [" + list(table) +
                    "]";
  for (auto n : names) {
    if (std::find(table.begin(), table.end(), n) == table.end()) {
      why += "; '" + std::string(n) + "' has no row";
    }
  }
  for (auto n : table) {
    if (std::find(names.begin(), names.end(), n) == names.end()) {
      why += "; '" + std::string(n) + "' has no reader";
    }
  }
  return why;
}

} // namespace tether::config
