#include "bench/lab/lab_config.h"

#include <algorithm>
#include <cstdio>

namespace tether::lab {

std::string_view bindingName(Binding binding) {
  switch (binding) {
  case Binding::None: return "none";
  case Binding::Cookie: return "cookie";
  case Binding::Table: return "table";
  case Binding::CookieTable: return "cookie+table";
  }
  return "?";
}

std::optional<Binding> parseBinding(std::string_view name) {
  for (Binding b : {Binding::None, Binding::Cookie, Binding::Table, Binding::CookieTable}) {
    if (bindingName(b) == name) return b;
  }
  return std::nullopt;
}

bool usesCookie(Binding binding) {
  return binding == Binding::Cookie || binding == Binding::CookieTable;
}

bool usesTable(Binding binding) {
  return binding == Binding::Table || binding == Binding::CookieTable;
}

std::string balanceName(double factor) {
  if (factor <= 0) return "off";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", factor);
  return buf;
}

std::string LabConfig::label() const {
  return strategyName() + "/" + std::string(bindingName(binding)) + "/" +
         balanceName(balance_factor);
}

bool LabConfig::operator==(const LabConfig& other) const {
  return strategy == other.strategy && binding == other.binding &&
         balance_factor == other.balance_factor;
}

config::RoutingConfig routingConfig(const LabConfig& config, const TetherKnobs& knobs) {
  config::RoutingConfig rc;
  rc.strategy = config.strategy;
  config::KeySourceConfig source;
  if (config.keysOnSourceIp()) {
    source.kind = config::KeySourceConfig::Kind::SourceIp;
  } else {
    source.kind = config::KeySourceConfig::Kind::Cookie;
    source.name = std::string(kSessionCookie);
  }
  rc.key = {source};
  rc.on_missing_key = config::RoutingConfig::OnMissingKey::Assign;
  rc.hash_seed = knobs.hash_seed;
  rc.balance_factor = config.balance_factor;
  rc.load_metric = config::RoutingConfig::LoadMetric::Sessions;
  rc.ring_points_per_weight = knobs.ring_points_per_weight;
  rc.maglev_table_size = knobs.maglev_table_size;
  rc.multiprobe_probes = knobs.multiprobe_probes;
  if (usesCookie(config.binding)) {
    rc.affinity_cookie.enabled = true;
    rc.affinity_cookie.ttl = std::chrono::milliseconds(knobs.cookie_ttl_ms);
    rc.affinity_cookie.idle_ttl = std::chrono::milliseconds(knobs.cookie_idle_ttl_ms);
    rc.affinity_cookie.secrets = {"tether-lab-secret-0123456789abcdef"};
  }
  if (usesTable(config.binding)) {
    rc.stick_table.enabled = true;
    rc.stick_table.size = knobs.table_size;
    rc.stick_table.idle_ttl = std::chrono::milliseconds(knobs.table_idle_ttl_ms);
  }
  return rc;
}

int64_t storeIdleTtlMs(const LabConfig& config, const TetherKnobs& knobs) {
  if (!usesTable(config.binding) && usesCookie(config.binding)) {
    return knobs.cookie_idle_ttl_ms > 0 ? knobs.cookie_idle_ttl_ms
                                        : std::min(knobs.cookie_ttl_ms, knobs.table_idle_ttl_ms);
  }
  return knobs.table_idle_ttl_ms;
}

} // namespace tether::lab
