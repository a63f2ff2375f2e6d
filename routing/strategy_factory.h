#pragma once
// makeStrategy: builds the placement strategy of `routing.strategy` for one backend list.
//
// The only place that maps strategy kinds to classes (their names are in strategy_kind.h).
// Building can be expensive (a 65537-entry maglev table, a 160-points-per-weight ring) and is
// meant to run off the event loop, once per snapshot; the result is immutable and shared by every
// worker. Pure function; any thread.
//
// Every kind builds. Knobs out of range are clamped by the strategy (documented in each header),
// never rejected here: config/validate.cc reports them to the user.

#include <cstdint>
#include <string>
#include <vector>

#include "routing/strategy.h"
#include "routing/strategy_kind.h"

namespace tether::routing {

struct StrategyOptions {
  StrategyKind kind = StrategyKind::RoundRobin;
  uint64_t seed = 0;                       // routing.hash_seed: hashes backend names
  uint32_t ring_points_per_weight = 160;   // ring.points_per_weight
  uint32_t maglev_table_size = 65537;      // maglev.table_size (prime)
  uint32_t multiprobe_probes = 21;         // multiprobe.probes
  std::vector<std::string> jump_slots;     // jump.slots: names, "" = tombstone; empty = list order
};

StrategyConstSharedPtr makeStrategy(const StrategyOptions& options, const BackendList& backends);

} // namespace tether::routing
