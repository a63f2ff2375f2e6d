#pragma once
// Generation: what a worker serves with at one moment: the immutable config snapshot, the view
// of its backends' run-time records, and the routing state every generation shares. Published
// whole; an exchange pins the generation it started with, so a reload never changes anything
// under a request in flight.
// Immutable after construction; the records and the routing state inside are thread-safe.

#include <memory>

#include "config/snapshot.h"
#include "health/backend_view.h"
#include "health/carry_over.h"
#include "routing/router.h"

namespace tether::proxy {

struct Generation {
  config::SnapshotConstSharedPtr snapshot;
  health::BackendViewSharedPtr backends;
  routing::RoutingState* routing_state = nullptr;  // owned by Server; outlives every generation
};

using GenerationConstSharedPtr = std::shared_ptr<const Generation>;

// The routing state for a process started with `config`. Its sizing comes from that first config;
// a reload cannot resize it (bindings would have to be rehashed under load). Without a stick
// table it still counts live sessions for bounded loads, expiring them like the affinity cookie
// would.
std::unique_ptr<routing::RoutingState> makeRoutingState(const config::Config& config);

// A generation for `snapshot` whose backend records carry over from `previous` by name
// (health/carry_over.h). `worker_shards`: how many workers write traffic counters.
GenerationConstSharedPtr makeGeneration(config::SnapshotConstSharedPtr snapshot,
                                        const Generation* previous,
                                        routing::RoutingState* routing_state,
                                        const health::ClockReading& clock, uint32_t worker_shards);

} // namespace tether::proxy
