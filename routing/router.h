#pragma once
// Router: turns one request into a RouteDecision using the snapshot's strategy, skipping backends
// the caller says are not usable (health, drain, or already tried by a retry).
//
// A Router belongs to one immutable snapshot and is shared by all workers. Its only mutable state
// is the round-robin counter, a relaxed atomic: fairness across workers needs no stronger order.
// route() never allocates and never blocks.

#include <atomic>
#include <memory>

#include "routing/request_view.h"
#include "routing/route_decision.h"
#include "routing/strategy.h"

namespace tether::routing {

// Which backends may take this request. Implemented by the caller (health state, retry `tried`).
class BackendFilter {
public:
  virtual ~BackendFilter() = default;
  virtual bool usable(BackendId id) const = 0;
};

class AllUsable : public BackendFilter {
public:
  bool usable(BackendId) const override { return true; }
};

class Router {
public:
  // Candidates examined per request; config/ caps the backend count at this.
  static constexpr uint32_t kMaxCandidates = 1024;

  Router(BackendList backends, StrategyConstSharedPtr strategy);

  RouteDecision route(const RequestView& request, const BackendFilter& filter) const;

  const BackendList& backends() const { return backends_; }
  const Strategy& strategy() const { return *strategy_; }

private:
  BackendList backends_;
  StrategyConstSharedPtr strategy_;
  mutable std::atomic<uint64_t> counter_{0};
};

using RouterConstSharedPtr = std::shared_ptr<const Router>;

} // namespace tether::routing
