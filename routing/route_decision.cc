#include "routing/route_decision.h"

namespace tether::routing {

std::string_view reasonName(RouteDecision::Reason reason) {
  switch (reason) {
  case RouteDecision::Reason::BoundCookie: return "bound_cookie";
  case RouteDecision::Reason::BoundTable: return "bound_table";
  case RouteDecision::Reason::Learned: return "learned";
  case RouteDecision::Reason::PlacedPrimary: return "placed_primary";
  case RouteDecision::Reason::PlacedSpill: return "placed_spill";
  case RouteDecision::Reason::Fallback: return "fallback";
  case RouteDecision::Reason::NoBackend: return "no_backend";
  }
  return "unknown";
}

} // namespace tether::routing
