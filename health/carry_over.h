#pragma once
// Carrying backend records across a reload. A backend's record (operator state, health verdicts,
// slow start, drain progress, traffic counters) belongs to its NAME, never to its position in the
// list, so a reload that reorders, adds or removes backends keeps every surviving backend exactly
// as it was, and two generations that share a name share its record.
//
// - A backend whose name was in the previous generation keeps its record. The file's `state:`
//   is applied only when the file changed it, so a drain ordered through the admin API survives
//   a reload of an unchanged file.
// - A new backend starts in its configured state; when it was added by a reload (there is a
//   previous generation) it ramps up over health.slow_start. The first config does not ramp.
// - A removed backend's record goes with the previous generation.
// Pure CPU work on the control thread; the records themselves are thread-safe.

#include <cstdint>

#include "config/snapshot.h"
#include "health/backend_view.h"

namespace tether::health {

struct ClockReading {
  int64_t now_ms = 0;       // monotonic (clock.h)
  int64_t now_unix_ms = 0;  // wall clock, for display
};

// The BackendView for `next`. `previous` and `previous_view` are the generation before it (both
// null for the first config). `worker_shards`: how many workers write traffic counters.
BackendViewSharedPtr carryOver(const config::Snapshot& next, const config::Snapshot* previous,
                               const BackendView* previous_view, const ClockReading& clock,
                               uint32_t worker_shards);

} // namespace tether::health
