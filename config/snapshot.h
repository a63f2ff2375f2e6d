#pragma once
// Snapshot: the immutable unit of configuration. Config + backend set + routing tables, built off
// the event loops and published whole; a request holds a SnapshotConstSharedPtr for its whole
// life, so a reload never changes anything under a request in flight.

#include <cstdint>
#include <memory>

#include "config/config_model.h"
#include "routing/router.h"

namespace tether::config {

struct Snapshot {
  Config config;
  routing::RouterConstSharedPtr router;
  uint64_t version = 0;  // increases by one per successful load
};

using SnapshotConstSharedPtr = std::shared_ptr<const Snapshot>;

// Builds routing tables from a validated Config. Pure CPU work: run it off the loops.
SnapshotConstSharedPtr buildSnapshot(Config config, uint64_t version);

} // namespace tether::config
