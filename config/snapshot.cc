#include "config/snapshot.h"

namespace tether::config {

namespace {

routing::OnMissingKey onMissingKey(RoutingConfig::OnMissingKey v) {
  switch (v) {
  case RoutingConfig::OnMissingKey::Assign: return routing::OnMissingKey::Assign;
  case RoutingConfig::OnMissingKey::RoundRobin: return routing::OnMissingKey::RoundRobin;
  case RoutingConfig::OnMissingKey::Random: return routing::OnMissingKey::Random;
  case RoutingConfig::OnMissingKey::Reject: return routing::OnMissingKey::Reject;
  }
  return routing::OnMissingKey::Assign;
}

routing::LoadMetric loadMetric(RoutingConfig::LoadMetric v) {
  switch (v) {
  case RoutingConfig::LoadMetric::Sessions: return routing::LoadMetric::Sessions;
  case RoutingConfig::LoadMetric::Requests: return routing::LoadMetric::Requests;
  }
  return routing::LoadMetric::Sessions;
}

} // namespace

routing::RouterOptions routerOptions(const RoutingConfig& rc) {
  routing::RouterOptions ro;
  std::vector<routing::KeySource> sources;
  for (const auto& k : rc.key) {
    routing::KeySource s;
    s.kind = static_cast<routing::KeySource::Kind>(k.kind);
    s.name = k.name;
    s.trusted_proxies = k.trusted_proxies;
    sources.push_back(std::move(s));
  }
  if (!rc.learn_cookie.empty()) {
    // A learned binding is found by the application's cookie, so that cookie must be a key
    // source; when the operator did not list it, it goes first (it names the app's session).
    size_t at = sources.size();
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].kind == routing::KeySource::Kind::Cookie && sources[i].name == rc.learn_cookie) at = i;
    }
    if (at == sources.size()) {
      routing::KeySource s;
      s.kind = routing::KeySource::Kind::Cookie;
      s.name = rc.learn_cookie;
      sources.insert(sources.begin(), std::move(s));
      at = 0;
    }
    ro.learn_source = static_cast<uint8_t>(at);
  }
  if (!sources.empty()) ro.keys.emplace(std::move(sources), rc.hash_seed);
  ro.on_missing_key = onMissingKey(rc.on_missing_key);
  ro.balance_factor = rc.balance_factor;
  ro.load_metric = loadMetric(rc.load_metric);
  if (rc.affinity_cookie.enabled) {
    const auto& c = rc.affinity_cookie;
    routing::AffinityCookieOptions o;
    o.name = c.name;
    o.ttl = c.ttl;
    o.idle_ttl = c.idle_ttl;
    o.path = c.path;
    o.domain = c.domain;
    o.secure = c.secure;
    o.http_only = c.http_only;
    o.same_site = c.same_site;
    o.attributes = c.attributes;
    o.secrets = c.secrets;
    ro.cookie = std::make_shared<routing::AffinityCookie>(std::move(o));
  }
  ro.stick_table = rc.stick_table.enabled;
  return ro;
}

routing::StrategyOptions strategyOptions(const RoutingConfig& rc) {
  routing::StrategyOptions so;
  so.kind = rc.strategy;
  so.seed = rc.hash_seed;
  so.ring_points_per_weight = rc.ring_points_per_weight;
  so.maglev_table_size = rc.maglev_table_size;
  so.multiprobe_probes = rc.multiprobe_probes;
  so.jump_slots = rc.jump_slots;
  return so;
}

SnapshotConstSharedPtr buildSnapshot(Config config, uint64_t version) {
  routing::BackendList backends;
  backends.reserve(config.backends.size());
  for (const auto& b : config.backends) {
    backends.push_back({b.name, b.address.host, b.address.port, b.weight});
  }
  const auto& rc = config.routing;
  auto strategy = routing::makeStrategy(strategyOptions(rc), backends);
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->router =
      std::make_shared<routing::Router>(std::move(backends), std::move(strategy), routerOptions(rc));
  snapshot->config = std::move(config);
  snapshot->version = version;
  return snapshot;
}

} // namespace tether::config
