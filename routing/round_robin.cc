#include "routing/round_robin.h"

#include <algorithm>
#include <numeric>

namespace tether::routing {

RoundRobin::RoundRobin(const BackendList& backends)
    : backend_count_(static_cast<uint32_t>(backends.size())) {
  // Weights are reduced by their gcd first so 100/100 costs two entries, not two hundred.
  uint64_t g = 0;
  for (const auto& b : backends) g = std::gcd(g, uint64_t{b.weight});
  if (g == 0) g = 1;
  std::vector<int64_t> weight(backends.size()), current(backends.size(), 0);
  int64_t total = 0;
  for (size_t i = 0; i < backends.size(); ++i) {
    weight[i] = static_cast<int64_t>(backends[i].weight / g);
    total += weight[i];
  }
  order_.reserve(static_cast<size_t>(total));
  for (int64_t step = 0; step < total; ++step) {
    size_t best = 0;
    for (size_t i = 0; i < backends.size(); ++i) {
      current[i] += weight[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    order_.push_back(static_cast<BackendId>(best));
  }
}

uint32_t RoundRobin::candidates(uint64_t counter, BackendId* out, uint32_t max) const {
  const uint32_t want = std::min(max, backend_count_);
  uint32_t n = 0;
  // The order holds every backend at least once, so one lap finds `want` distinct ones.
  for (size_t i = 0; i < order_.size() && n < want; ++i) {
    const BackendId id = order_[(counter + i) % order_.size()];
    bool seen = false;
    for (uint32_t j = 0; j < n; ++j) seen = seen || out[j] == id;
    if (!seen) out[n++] = id;
  }
  return n;
}

} // namespace tether::routing
