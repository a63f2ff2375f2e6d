#include "bench/lab/moved_keys.h"

#include <algorithm>
#include <cmath>

#include "bench/lab/rng.h"

namespace tether::lab {

namespace {
constexpr uint64_t kMovedKeysStream = 4;
} // namespace

MovedKeys::MovedKeys(uint32_t sample_keys, uint64_t seed) {
  Rng rng(Rng::stream(seed, kMovedKeysStream));
  keys_.resize(sample_keys);
  for (auto& k : keys_) k = rng.next();
}

void MovedKeys::capture(const Cluster& cluster, const routing::RouteContext& ctx,
                        std::vector<uint32_t>& out) const {
  out.resize(keys_.size());
  const routing::Router& router = cluster.router();
  for (size_t i = 0; i < keys_.size(); ++i) {
    const auto d = router.place(keys_[i], ctx);
    out[i] = d.found() ? cluster.slotOf(d.backend) : Cluster::kNoSlot;
  }
}

double MovedKeys::movedFraction(const std::vector<uint32_t>& before,
                                const std::vector<uint32_t>& after) {
  if (before.empty() || before.size() != after.size()) return 0;
  size_t moved = 0;
  for (size_t i = 0; i < before.size(); ++i) moved += before[i] != after[i];
  return static_cast<double>(moved) / static_cast<double>(before.size());
}

double MovedKeys::minimumFraction(const std::vector<double>& before,
                                  const std::vector<double>& after) {
  double sum = 0;
  const size_t n = std::max(before.size(), after.size());
  for (size_t i = 0; i < n; ++i) {
    const double a = i < before.size() ? before[i] : 0;
    const double b = i < after.size() ? after[i] : 0;
    sum += std::fabs(a - b);
  }
  return sum / 2;
}

} // namespace tether::lab
