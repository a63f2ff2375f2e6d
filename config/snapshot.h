#pragma once
// Snapshot: the immutable unit of configuration. Config + backend set + routing tables, built off
// the event loops and published whole; a request holds a SnapshotConstSharedPtr for its whole
// life, so a reload never changes anything under a request in flight.

#include <cstdint>
#include <memory>

#include "config/config_model.h"
#include "routing/router.h"
#include "routing/strategy_factory.h"

namespace tether::config {

struct Snapshot {
  Config config;
  routing::RouterConstSharedPtr router;
  uint64_t version = 0;  // increases by one per successful load
};

using SnapshotConstSharedPtr = std::shared_ptr<const Snapshot>;

// Builds routing tables from a validated Config. Pure CPU work: run it off the loops.
SnapshotConstSharedPtr buildSnapshot(Config config, uint64_t version);

// A routing section as buildSnapshot() hands it to routing/, in two halves. Public so tools that
// build Routers of their own (the affinity lab) configure them exactly as tether does. Pure; any
// thread.
//
// The Router's options: key sources (the learned cookie first when it is not listed), missing-key
// policy, bounded loads, affinity cookie and stick table.
routing::RouterOptions routerOptions(const RoutingConfig& rc);
// The strategy's options: kind, seed, per-strategy knobs and jump slots.
routing::StrategyOptions strategyOptions(const RoutingConfig& rc);

} // namespace tether::config
