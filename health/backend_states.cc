#include "health/backend_states.h"

namespace tether::health {

std::string_view stateName(BackendState state) {
  switch (state) {
  case BackendState::Ready: return "ready";
  case BackendState::Down: return "down";
  case BackendState::Draining: return "draining";
  case BackendState::Maintenance: return "maintenance";
  }
  return "unknown";
}

BackendStates::BackendStates(size_t backend_count) : states_(backend_count) {
  for (auto& s : states_) s.store(BackendState::Ready, std::memory_order_relaxed);
}

BackendState BackendStates::get(routing::BackendId id) const {
  if (id >= states_.size()) return BackendState::Maintenance;
  return states_[id].load(std::memory_order_relaxed);
}

void BackendStates::set(routing::BackendId id, BackendState state) {
  if (id < states_.size()) states_[id].store(state, std::memory_order_relaxed);
}

bool BackendStates::usable(routing::BackendId id) const { return get(id) == BackendState::Ready; }

} // namespace tether::health
