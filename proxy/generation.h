#pragma once
// Generation: what a worker serves with at one moment: the immutable config snapshot plus the
// backend state table that belongs to it. Published whole; an exchange pins the generation it
// started with, so a reload never changes anything under a request in flight.
// Immutable pointer pair; the states inside are relaxed atomics shared by all workers.

#include <memory>

#include "config/snapshot.h"
#include "health/backend_view.h"
#include "routing/router.h"

namespace tether::proxy {

struct Generation {
  config::SnapshotConstSharedPtr snapshot;
  health::BackendViewSharedPtr backends;
  routing::RoutingState* routing_state = nullptr;  // owned by Server; outlives every generation
};

using GenerationConstSharedPtr = std::shared_ptr<const Generation>;

struct GenerationClock {
  int64_t now_ms = 0;       // monotonic (uv_hrtime() / 1e6)
  int64_t now_unix_ms = 0;  // wall clock, for display
};

// A generation for `snapshot` whose backend records (state, health, counters) are carried over
// from `previous` by backend name (style.md rule 4: identity is the name, never the index). New
// backends start in their configured state, with slow start when `previous` exists (added by a
// reload). `worker_shards`: how many workers write traffic counters.
GenerationConstSharedPtr makeGeneration(config::SnapshotConstSharedPtr snapshot,
                                        const Generation* previous, routing::RoutingState* routing_state,
                                        const GenerationClock& clock, uint32_t worker_shards);

} // namespace tether::proxy
