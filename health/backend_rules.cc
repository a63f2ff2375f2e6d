#include "health/backend_rules.h"

namespace tether::health {

bool usableFor(BackendState state) { return state == BackendState::Ready; }

bool bindableFor(BackendState state, config::DrainConfig::Policy policy, bool drain_expired) {
  if (state == BackendState::Ready) return true;
  return state == BackendState::Draining && policy == config::DrainConfig::Policy::Keep &&
         !drain_expired;
}

routing::RebindCause unbindableCause(BackendState state) {
  switch (state) {
  case BackendState::Maintenance: return routing::RebindCause::Maintenance;
  case BackendState::Draining: return routing::RebindCause::DrainMigrate;
  // Ready cannot be refused; were it asked, "down" is the honest default.
  case BackendState::Ready:
  case BackendState::Down: return routing::RebindCause::BackendDown;
  }
  return routing::RebindCause::BackendDown;
}

} // namespace tether::health
