#include "routing/router.h"

namespace tether::routing {

Router::Router(BackendList backends, StrategyConstSharedPtr strategy)
    : backends_(std::move(backends)), strategy_(std::move(strategy)) {}

RouteDecision Router::route(const RequestView& /*request*/, const BackendFilter& filter) const {
  const uint32_t n = strategy_->backendCount();
  if (n == 0) return {};
  // Non-sticky strategies ignore the key; a shared counter spreads requests across workers.
  const uint64_t hash = counter_.fetch_add(1, std::memory_order_relaxed);
  const uint32_t max_attempts = strategy_->attemptBound();
  for (uint32_t attempt = 0; attempt < max_attempts; ++attempt) {
    const BackendId id = strategy_->pick(hash, attempt);
    if (id != kNoBackend && filter.usable(id)) {
      return {id, RouteDecision::Reason::Fallback};
    }
  }
  return {};
}

} // namespace tether::routing
