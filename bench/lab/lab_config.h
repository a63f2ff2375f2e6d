#pragma once
// LabConfig: one configuration the lab compares — placement strategy x binding x balance factor —
// and the routing section of a tether config that says the same (routingConfig()), which
// config/snapshot.h turns into the Router's and the strategy's options exactly as for tether.
//
// Session keys: every configuration keys on the session's cookie (`SID`, the application's
// session id), except ip_hash_modulo, which keys on the client's source IP: that is what nginx's
// ip_hash does and the point of comparing it (clients behind one NAT share a key; a phone that
// changes network gets a new one).
//
// Bindings:
//   none          pure placement on every request (no cookie, no stick table)
//   cookie        tether's signed affinity cookie names the backend chosen at the first request
//   table         the stick table maps the session key to its backend (idle expiry)
//   cookie+table  both (tether's recommended setup, examples/demo.yaml)
//
// Value type; any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_model.h"
#include "routing/strategy_kind.h"

namespace tether::lab {

enum class Binding { None = 0, Cookie, Table, CookieTable };

std::string_view bindingName(Binding binding);
std::optional<Binding> parseBinding(std::string_view name);
bool usesCookie(Binding binding);
bool usesTable(Binding binding);

struct LabConfig {
  routing::StrategyKind strategy = routing::StrategyKind::Ring;
  Binding binding = Binding::None;
  double balance_factor = 0;  // 0 = bounded loads off

  // "ring/cookie/1.25", "ring/none/off": unique, used in CSV, JSON and the report.
  std::string label() const;
  // "ring": the strategy as the scenario file and tether's config spell it.
  std::string strategyName() const { return std::string(routing::strategyName(strategy)); }
  // True when the key is the source IP rather than the session cookie.
  bool keysOnSourceIp() const { return strategy == routing::StrategyKind::IpHashModulo; }
  bool operator==(const LabConfig& other) const;
};

// "off" for 0, else the shortest decimal ("1.25", "2").
std::string balanceName(double factor);

// The knobs every configuration shares (scenario `tether:` section); defaults are tether's.
struct TetherKnobs {
  uint64_t hash_seed = 0;
  int64_t cookie_ttl_ms = 24LL * 3600 * 1000;
  int64_t cookie_idle_ttl_ms = 30LL * 60 * 1000;
  size_t table_size = 1000000;
  int64_t table_idle_ttl_ms = 30LL * 60 * 1000;
  uint32_t ring_points_per_weight = 160;
  uint32_t maglev_table_size = 65537;
  uint32_t multiprobe_probes = 21;
};

// The session cookie's name and the affinity cookie's secret (fixed: the lab signs its own).
inline constexpr std::string_view kSessionCookie = "SID";

// The routing section of a tether config with this configuration and these knobs (jump slots
// empty: the cluster maintains them).
config::RoutingConfig routingConfig(const LabConfig& config, const TetherKnobs& knobs);
// Idle expiry of the routing state (bindings and session counts): proxy/server.cc's rule (the stick table's idle_ttl, or
// without a table the cookie's idle_ttl, else min(cookie ttl, table idle_ttl)).
int64_t storeIdleTtlMs(const LabConfig& config, const TetherKnobs& knobs);

} // namespace tether::lab
