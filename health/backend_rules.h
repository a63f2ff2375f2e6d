#pragma once
// What a backend's effective state lets the router do with it: take NEW sessions (usable), keep
// the sessions already bound to it (bindable), and, when it may not keep them, why they move (the
// rebind's cause, as counted in tether_rebinds_total).
//
// Pure functions, apart from BackendView so that anything else deciding the same question (the
// affinity lab's simulated backends) applies the same rules instead of a copy. Any thread.

#include "config/config_model.h"
#include "health/backend_record.h"
#include "routing/router.h"

namespace tether::health {

// Only Ready backends take new sessions: draining ones are emptying, down and maintenance ones
// take nothing.
bool usableFor(BackendState state);

// Ready backends keep their bound sessions; a Draining one keeps them while `policy` is keep and
// drain.timeout has not passed (`drain_expired`). Down and Maintenance backends keep none.
bool bindableFor(BackendState state, config::DrainConfig::Policy policy, bool drain_expired);

// Why a session bound to a backend in `state` that bindableFor() refused is placed again.
routing::RebindCause unbindableCause(BackendState state);

} // namespace tether::health
