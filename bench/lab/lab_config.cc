#include "bench/lab/lab_config.h"

#include <algorithm>
#include <cstdio>
#include <memory>

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
  return strategyName() + "/" + std::string(bindingName(binding)) + "/" + balanceName(balance_factor);
}

bool LabConfig::operator==(const LabConfig& other) const {
  return strategy == other.strategy && binding == other.binding &&
         balance_factor == other.balance_factor;
}

routing::RouterOptions routerOptions(const LabConfig& config, const TetherKnobs& knobs) {
  routing::RouterOptions ro;
  routing::KeySource source;
  if (config.keysOnSourceIp()) {
    source.kind = routing::KeySource::Kind::SourceIp;
  } else {
    source.kind = routing::KeySource::Kind::Cookie;
    source.name = std::string(kSessionCookie);
  }
  ro.keys.emplace(std::vector<routing::KeySource>{source}, knobs.hash_seed);
  ro.on_missing_key = routing::OnMissingKey::Assign;
  ro.balance_factor = config.balance_factor;
  ro.load_metric = routing::LoadMetric::Sessions;
  if (usesCookie(config.binding)) {
    routing::AffinityCookieOptions o;
    o.ttl = std::chrono::milliseconds(knobs.cookie_ttl_ms);
    o.idle_ttl = std::chrono::milliseconds(knobs.cookie_idle_ttl_ms);
    o.secrets = {"tether-lab-secret-0123456789abcdef"};
    ro.cookie = std::make_shared<routing::AffinityCookie>(std::move(o));
  }
  ro.stick_table = usesTable(config.binding);
  return ro;
}

int64_t storeIdleTtlMs(const LabConfig& config, const TetherKnobs& knobs) {
  if (!usesTable(config.binding) && usesCookie(config.binding)) {
    return knobs.cookie_idle_ttl_ms > 0 ? knobs.cookie_idle_ttl_ms
                                        : std::min(knobs.cookie_ttl_ms, knobs.table_idle_ttl_ms);
  }
  return knobs.table_idle_ttl_ms;
}

} // namespace tether::lab
