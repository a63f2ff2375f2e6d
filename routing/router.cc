#include "routing/router.h"

namespace tether::routing {

Router::Router(BackendList backends, StrategyConstSharedPtr strategy)
    : backends_(std::move(backends)), strategy_(std::move(strategy)) {}

RouteDecision Router::route(const RequestView& /*request*/, const BackendFilter& filter) const {
  const uint32_t n = strategy_->backendCount();
  if (n == 0) return {};
  // Non-sticky strategies ignore the key; a shared counter spreads requests across workers.
  const uint64_t hash = counter_.fetch_add(1, std::memory_order_relaxed);
  BackendId buf[kMaxCandidates];
  const uint32_t got = strategy_->candidates(hash, buf, kMaxCandidates);
  for (uint32_t i = 0; i < got; ++i) {
    if (filter.usable(buf[i])) return {buf[i], RouteDecision::Reason::Fallback};
  }
  return {};
}

} // namespace tether::routing
