// backend_rules.h: the whole table of what each state allows, and BackendView answering by it.

#include <catch2/catch.hpp>

#include "config/config_model.h"
#include "health/backend_rules.h"
#include "health/backend_view.h"

namespace tether::health {
namespace {

using Policy = config::DrainConfig::Policy;
using routing::RebindCause;

constexpr BackendState kStates[] = {BackendState::Ready, BackendState::Down,
                                    BackendState::Draining, BackendState::Maintenance};

TEST_CASE("backend rules: only ready takes new sessions", "[health]") {
  CHECK(usableFor(BackendState::Ready));
  CHECK_FALSE(usableFor(BackendState::Down));
  CHECK_FALSE(usableFor(BackendState::Draining));
  CHECK_FALSE(usableFor(BackendState::Maintenance));
}

TEST_CASE("backend rules: bound sessions stay on ready, and on draining only while kept",
          "[health]") {
  // Given every state, policy and expiry, expect: ready always keeps; draining keeps only with
  // policy keep before the drain timeout; down and maintenance never keep.
  for (Policy policy : {Policy::Keep, Policy::Migrate}) {
    for (bool expired : {false, true}) {
      INFO("policy " << static_cast<int>(policy) << " expired " << expired);
      CHECK(bindableFor(BackendState::Ready, policy, expired));
      CHECK(bindableFor(BackendState::Draining, policy, expired) ==
            (policy == Policy::Keep && !expired));
      CHECK_FALSE(bindableFor(BackendState::Down, policy, expired));
      CHECK_FALSE(bindableFor(BackendState::Maintenance, policy, expired));
    }
  }
}

TEST_CASE("backend rules: a refused binding moves with the cause of its state", "[health]") {
  CHECK(unbindableCause(BackendState::Down) == RebindCause::BackendDown);
  CHECK(unbindableCause(BackendState::Maintenance) == RebindCause::Maintenance);
  CHECK(unbindableCause(BackendState::Draining) == RebindCause::DrainMigrate);
}

TEST_CASE("BackendView answers by the backend rules", "[health]") {
  // Given a view with one backend per state, expect its filters to agree with the rules for the
  // default drain policy (keep, not expired).
  BackendView view(std::size(kStates));
  for (routing::BackendId id = 0; id < std::size(kStates); ++id) view.set(id, kStates[id]);
  for (routing::BackendId id = 0; id < std::size(kStates); ++id) {
    INFO("state " << stateName(kStates[id]));
    CHECK(view.get(id) == kStates[id]);
    CHECK(view.usable(id) == usableFor(kStates[id]));
    CHECK(view.bindable().usable(id) == bindableFor(kStates[id], Policy::Keep, false));
    if (!view.bindable().usable(id)) {
      CHECK(view.bindable().unbindableCause(id) == unbindableCause(kStates[id]));
    }
  }
}

TEST_CASE("BackendView applies drain.policy migrate to draining backends", "[health]") {
  // Given drain.policy migrate, expect a draining backend to keep nothing, with cause
  // drain_migrate, while a ready one keeps its sessions.
  config::Config cfg;
  cfg.drain.policy = Policy::Migrate;
  std::vector<BackendRecordSharedPtr> records;
  for (const char* name : {"a", "b"}) {
    records.push_back(
        std::make_shared<BackendRecord>(name, 1, config::AdminState::Ready, 0, 0, false));
  }
  BackendView view(records, cfg);
  view.set(1, BackendState::Draining);
  CHECK(view.bindable().usable(0));
  CHECK_FALSE(view.bindable().usable(1));
  CHECK(view.bindable().unbindableCause(1) == RebindCause::DrainMigrate);
  CHECK_FALSE(view.bindable().usable(9));  // out of range keeps nothing
}

} // namespace
} // namespace tether::health
