#pragma once
// RoundRobin: weighted round robin, not sticky. The baseline every other strategy is compared to.
//
// The weighted order is precomputed with nginx's "smooth weighted round robin" so a backend of
// weight 3 next to one of weight 1 yields a a b a, a a b a, ...: interleaved, not in bursts.
// candidates(counter) walks that order from position `counter`. Immutable; any thread.

#include <vector>

#include "routing/strategy.h"

namespace tether::routing {

class RoundRobin : public Strategy {
public:
  explicit RoundRobin(const BackendList& backends);

  // routing::Strategy
  uint32_t candidates(uint64_t counter, BackendId* out, uint32_t max) const override;
  uint32_t backendCount() const override { return backend_count_; }
  bool sticky() const override { return false; }
  std::string_view name() const override { return "round_robin"; }

  const std::vector<BackendId>& order() const { return order_; }

private:
  std::vector<BackendId> order_;
  uint32_t backend_count_;
};

} // namespace tether::routing
