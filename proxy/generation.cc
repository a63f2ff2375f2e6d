#include "proxy/generation.h"

#include <string_view>
#include <unordered_map>

namespace tether::proxy {

GenerationConstSharedPtr makeGeneration(config::SnapshotConstSharedPtr snapshot,
                                        const Generation* previous, routing::RoutingState* routing_state,
                                        const GenerationClock& clock, uint32_t worker_shards) {
  const auto& backends = snapshot->router->backends();
  const auto& cfg = snapshot->config;
  std::unordered_map<std::string_view, health::BackendRecordSharedPtr> old;
  std::unordered_map<std::string_view, config::AdminState> old_configured;
  if (previous) {
    const auto& old_backends = previous->snapshot->router->backends();
    for (routing::BackendId i = 0; i < old_backends.size(); ++i) {
      old.emplace(old_backends[i].key, previous->backends->records()[i]);
    }
    for (const auto& b : previous->snapshot->config.backends) {
      old_configured.emplace(b.name, b.state);
    }
  }
  std::unordered_map<std::string_view, config::AdminState> configured_now;
  for (const auto& b : cfg.backends) configured_now.emplace(b.name, b.state);
  std::vector<health::BackendRecordSharedPtr> records;
  records.reserve(backends.size());
  for (routing::BackendId i = 0; i < backends.size(); ++i) {
    const auto& name = backends[i].key;
    const auto c = configured_now.find(name);
    const config::AdminState configured = c == configured_now.end() ? config::AdminState::Ready : c->second;
    if (auto it = old.find(name); it != old.end()) {
      // The runtime state carries over; the file's `state:` applies only when the file changed
      // it, so an admin API drain survives a reload of an unchanged file.
      auto was = old_configured.find(name);
      if (was == old_configured.end() || was->second != configured) {
        it->second->setAdmin(configured, clock.now_ms, clock.now_unix_ms);
      }
      records.push_back(it->second);
      continue;
    }
    // A backend added by a reload ramps up (health.slow_start); the first config does not.
    records.push_back(std::make_shared<health::BackendRecord>(
        name, worker_shards, configured, clock.now_ms, clock.now_unix_ms, previous != nullptr));
  }
  auto g = std::make_shared<Generation>();
  g->snapshot = std::move(snapshot);
  g->backends = std::make_shared<health::BackendView>(std::move(records), g->snapshot->config);
  g->routing_state = routing_state;
  return g;
}

} // namespace tether::proxy
