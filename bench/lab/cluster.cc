#include "bench/lab/cluster.h"

#include <algorithm>

#include "config/snapshot.h"
#include "health/backend_rules.h"
#include "routing/jump_hash.h"
#include "routing/strategy_factory.h"

namespace tether::lab {

health::BackendState backendState(Phase phase) {
  switch (phase) {
  case Phase::Ready: return health::BackendState::Ready;
  case Phase::Draining: return health::BackendState::Draining;
  case Phase::Down: return health::BackendState::Down;
  case Phase::Restarting: return health::BackendState::Maintenance;
  }
  return health::BackendState::Down;
}

Cluster::Cluster(const LabConfig& config, const TetherKnobs& knobs)
    : routing_(routingConfig(config, knobs)), options_(config::routerOptions(routing_)),
      routing_state_(std::make_unique<routing::RoutingState>(knobs.table_size,
                                                     storeIdleTtlMs(config, knobs))) {}

std::optional<uint32_t> Cluster::slotByName(const std::string& name) const {
  for (uint32_t i = 0; i < backends_.size(); ++i) {
    if (backends_[i].name == name) return i;
  }
  return std::nullopt;
}

uint32_t Cluster::add(const std::string& name, uint32_t weight) {
  uint32_t slot = slotByName(name).value_or(kNoSlot);
  if (slot == kNoSlot) {
    slot = static_cast<uint32_t>(backends_.size());
    backends_.push_back({});
    backends_[slot].name = name;
  }
  SimBackend& b = backends_[slot];
  b.weight = weight;
  b.phase = Phase::Ready;
  b.present = true;
  ++b.epoch;
  b.active = b.memory = 0;
  b.interval_requests = 0;
  order_.push_back(slot);
  routing::addJumpSlot(routing_.jump_slots, name);
  return slot;
}

void Cluster::remove(uint32_t slot) {
  wipe(slot);
  backends_[slot].present = false;
  backends_[slot].id = routing::kNoBackend;
  order_.erase(std::remove(order_.begin(), order_.end(), slot), order_.end());
  routing::removeJumpSlot(routing_.jump_slots, backends_[slot].name);
}

void Cluster::wipe(uint32_t slot) {
  SimBackend& b = backends_[slot];
  ++b.epoch;
  b.active = 0;
  b.memory = 0;
}

void Cluster::rebuild() {
  routing::BackendList list;
  slot_of_.clear();
  for (uint32_t slot : order_) {
    SimBackend& b = backends_[slot];
    b.id = static_cast<routing::BackendId>(list.size());
    // Addresses are never used by routing; a documentation range keeps them obviously fake.
    list.push_back({b.name, "192.0.2.1", static_cast<uint16_t>(10000 + slot), b.weight});
    slot_of_.push_back(slot);
  }
  auto strategy = routing::makeStrategy(config::strategyOptions(routing_), list);
  router_ = std::make_shared<const routing::Router>(std::move(list), std::move(strategy), options_);
}

std::vector<std::string> Cluster::presentNames() const {
  std::vector<std::string> out;
  for (uint32_t slot : order_) out.push_back(backends_[slot].name);
  return out;
}

std::vector<double> Cluster::readyShares() const {
  std::vector<double> share(backends_.size(), 0.0);
  double total = 0;
  for (uint32_t slot : order_) {
    if (backends_[slot].phase == Phase::Ready) total += backends_[slot].weight;
  }
  if (total <= 0) return share;
  for (uint32_t slot : order_) {
    if (backends_[slot].phase == Phase::Ready) share[slot] = backends_[slot].weight / total;
  }
  return share;
}

bool Cluster::Usable::usable(routing::BackendId id) const {
  return health::usableFor(backendState(c_.backends_[c_.slot_of_[id]].phase));
}

bool Cluster::Bindable::usable(routing::BackendId id) const {
  return health::bindableFor(backendState(c_.backends_[c_.slot_of_[id]].phase),
                             config::DrainConfig::Policy::Keep, /*drain_expired=*/false);
}

routing::RebindCause Cluster::Bindable::unbindableCause(routing::BackendId id) const {
  return health::unbindableCause(backendState(c_.backends_[c_.slot_of_[id]].phase));
}

} // namespace tether::lab
