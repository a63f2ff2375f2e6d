// Cluster: the simulated backends answer the router with tether's own backend rules
// (health/backend_rules.h), through the state each phase stands for.

#include <catch2/catch.hpp>

#include "bench/lab/cluster.h"
#include "health/backend_rules.h"

namespace tether::lab {
namespace {

using health::BackendState;

TEST_CASE("cluster phases are tether backend states", "[lab]") {
  CHECK(backendState(Phase::Ready) == BackendState::Ready);
  CHECK(backendState(Phase::Draining) == BackendState::Draining);
  CHECK(backendState(Phase::Down) == BackendState::Down);
  CHECK(backendState(Phase::Restarting) == BackendState::Maintenance);
}

TEST_CASE("cluster filters apply the backend rules to each phase", "[lab]") {
  // Given one backend per phase, expect usable, bindable and the rebind cause to be what
  // BackendView would answer for that state with drain.policy keep.
  const Phase phases[] = {Phase::Ready, Phase::Draining, Phase::Down, Phase::Restarting};
  Cluster cluster(LabConfig{routing::StrategyKind::Ring, Binding::Cookie, 0}, TetherKnobs{});
  for (size_t i = 0; i < std::size(phases); ++i) {
    const uint32_t slot = cluster.add("app" + std::to_string(i + 1));
    cluster.setPhase(slot, phases[i]);
  }
  cluster.rebuild();
  for (uint32_t slot = 0; slot < cluster.slotCount(); ++slot) {
    const BackendState state = backendState(cluster.backend(slot).phase);
    const routing::BackendId id = cluster.backend(slot).id;
    INFO(cluster.backend(slot).name << " " << health::stateName(state));
    CHECK(cluster.usable().usable(id) == health::usableFor(state));
    CHECK(cluster.bindable().usable(id) ==
          health::bindableFor(state, config::DrainConfig::Policy::Keep, false));
    if (!cluster.bindable().usable(id)) {
      CHECK(cluster.bindable().unbindableCause(id) == health::unbindableCause(state));
    }
  }
}

} // namespace
} // namespace tether::lab
