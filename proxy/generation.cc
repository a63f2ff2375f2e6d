#include "proxy/generation.h"

namespace tether::proxy {

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
