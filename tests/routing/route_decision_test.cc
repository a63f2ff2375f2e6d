// reasonName: these strings are an interface (access log fields, metric labels); pin every one.

#include <catch2/catch.hpp>

#include "routing/route_decision.h"

namespace tether::routing {
namespace {

TEST_CASE("reasonName: every reason has its stable name", "[routing]") {
  // Given each Reason, expect its lower_snake_case name.
  using R = RouteDecision::Reason;
  CHECK(reasonName(R::BoundCookie) == "bound_cookie");
  CHECK(reasonName(R::BoundTable) == "bound_table");
  CHECK(reasonName(R::Learned) == "learned");
  CHECK(reasonName(R::PlacedPrimary) == "placed_primary");
  CHECK(reasonName(R::PlacedSpill) == "placed_spill");
  CHECK(reasonName(R::Fallback) == "fallback");
  CHECK(reasonName(R::NoBackend) == "no_backend");
}

TEST_CASE("reasonName: an out-of-range value is 'unknown'", "[routing]") {
  // Given a value outside the enum (a corrupted byte), expect "unknown" rather than a crash.
  CHECK(reasonName(static_cast<RouteDecision::Reason>(99)) == "unknown");
}

TEST_CASE("RouteDecision: default is no backend", "[routing]") {
  // Given a default-constructed decision, expect NoBackend and found() == false.
  RouteDecision d;
  CHECK_FALSE(d.found());
  CHECK(d.backend == kNoBackend);
  CHECK(d.reason == RouteDecision::Reason::NoBackend);
  d.backend = 0;
  CHECK(d.found());
}

} // namespace
} // namespace tether::routing
