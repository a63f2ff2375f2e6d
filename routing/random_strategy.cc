#include "routing/random_strategy.h"

#include <algorithm>

namespace tether::routing {

RandomStrategy::RandomStrategy(const BackendList& backends) {
  cumulative_.reserve(backends.size());
  uint64_t total = 0;
  for (const auto& b : backends) {
    total += std::max<uint32_t>(b.weight, 1);
    cumulative_.push_back(total);
  }
}

uint32_t RandomStrategy::candidates(uint64_t random, BackendId* out, uint32_t max) const {
  const uint32_t n = backendCount();
  const uint32_t want = std::min(max, n);
  if (want == 0) return 0;
  const uint64_t total = cumulative_.back();
  const auto point =
      static_cast<uint64_t>((static_cast<unsigned __int128>(random) * total) >> 64);
  const auto first = static_cast<BackendId>(
      std::upper_bound(cumulative_.begin(), cumulative_.end(), point) - cumulative_.begin());
  for (uint32_t i = 0; i < want; ++i) out[i] = (first + i) % n;
  return want;
}

} // namespace tether::routing
