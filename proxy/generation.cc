#include "proxy/generation.h"

#include <algorithm>

namespace tether::proxy {

std::unique_ptr<routing::RoutingState> makeRoutingState(const config::Config& cfg) {
  const auto& st = cfg.routing.stick_table;
  auto idle = st.idle_ttl;
  if (!st.enabled && cfg.routing.affinity_cookie.enabled) {
    const auto& c = cfg.routing.affinity_cookie;
    idle = c.idle_ttl.count() > 0 ? c.idle_ttl : std::min<config::Duration>(c.ttl, idle);
  }
  return std::make_unique<routing::RoutingState>(static_cast<size_t>(st.size),
                                                 static_cast<int64_t>(idle.count()));
}

GenerationConstSharedPtr makeGeneration(config::SnapshotConstSharedPtr snapshot,
                                        const Generation* previous,
                                        routing::RoutingState* routing_state,
                                        const health::ClockReading& clock, uint32_t worker_shards) {
  auto g = std::make_shared<Generation>();
  g->backends = health::carryOver(*snapshot, previous ? previous->snapshot.get() : nullptr,
                                  previous ? previous->backends.get() : nullptr, clock,
                                  worker_shards);
  g->snapshot = std::move(snapshot);
  g->routing_state = routing_state;
  return g;
}

} // namespace tether::proxy
