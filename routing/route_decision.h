#pragma once
// RouteDecision: the outcome of routing one request. "No backend" is a normal outcome, not an
// error; proxy/ maps it to 503 in its one status-mapping table.

#include <string_view>

#include "routing/backend.h"

namespace tether::routing {

struct RouteDecision {
  enum class Reason {
    BoundCookie = 0,  // a valid affinity cookie named a usable backend
    BoundTable,       // the stick table held a binding for the session key
    Learned,          // binding learned from the application's own Set-Cookie
    PlacedPrimary,    // new session placed on its strategy's first choice
    PlacedSpill,      // bounded load moved a new session off its first choice
    Fallback,         // no session key: non-sticky fallback (round robin, random)
    NoBackend,        // nothing usable
  };
  BackendId backend = kNoBackend;
  Reason reason = Reason::NoBackend;

  bool found() const { return backend != kNoBackend; }
};

// Stable lower_snake_case names, used by the access log and metrics.
std::string_view reasonName(RouteDecision::Reason reason);

} // namespace tether::routing
