#include "routing/round_robin.h"

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

BackendId RoundRobin::pick(uint64_t counter, uint32_t attempt) const {
  if (order_.empty()) return kNoBackend;
  return order_[(counter + attempt) % order_.size()];
}

} // namespace tether::routing
