#include "config/snapshot.h"

#include "routing/round_robin.h"

namespace tether::config {

SnapshotConstSharedPtr buildSnapshot(Config config, uint64_t version) {
  routing::BackendList backends;
  backends.reserve(config.backends.size());
  for (const auto& b : config.backends) {
    backends.push_back({b.name, b.address.host, b.address.port, b.weight});
  }
  // validate() admits only strategies that exist; round_robin is the one this build has.
  auto strategy = std::make_shared<routing::RoundRobin>(backends);
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->router = std::make_shared<routing::Router>(std::move(backends), std::move(strategy));
  snapshot->config = std::move(config);
  snapshot->version = version;
  return snapshot;
}

} // namespace tether::config
