#include "routing/ring_hash.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "routing/hash.h"
#include "routing/seen_ids.h"

namespace tether::routing {

RingHash::RingHash(const BackendList& backends, uint64_t seed, uint32_t points_per_weight)
    : backend_count_(static_cast<uint32_t>(backends.size())) {
  const uint64_t per_weight = std::max<uint32_t>(points_per_weight, 1);
  uint64_t g = 0;
  for (const auto& b : backends) g = std::gcd(g, uint64_t{std::max<uint32_t>(b.weight, 1)});
  if (g == 0) g = 1;

  struct Point {
    uint64_t hash;
    BackendId owner;
  };
  std::vector<Point> points;
  uint64_t total = 0;
  for (const auto& b : backends) total += per_weight * (std::max<uint32_t>(b.weight, 1) / g);
  points.reserve(total);
  std::string label;
  for (BackendId id = 0; id < backend_count_; ++id) {
    const auto& b = backends[id];
    const uint64_t count = per_weight * (std::max<uint32_t>(b.weight, 1) / g);
    for (uint64_t i = 0; i < count; ++i) {
      label.assign(b.key).append("#").append(std::to_string(i));
      points.push_back({hashBytes(label, seed), id});
    }
  }
  // Equal hashes are ordered by name, not by list position, so the ring is the same for any
  // backend order.
  std::sort(points.begin(), points.end(), [&](const Point& a, const Point& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    return backends[a.owner].key < backends[b.owner].key;
  });
  hashes_.reserve(points.size());
  owners_.reserve(points.size());
  for (const auto& p : points) {
    hashes_.push_back(p.hash);
    owners_.push_back(p.owner);
  }
}

uint32_t RingHash::candidates(uint64_t hash, BackendId* out, uint32_t max) const {
  const uint32_t want = std::min(max, backend_count_);
  if (want == 0) return 0;
  const size_t size = hashes_.size();
  size_t pos = static_cast<size_t>(std::lower_bound(hashes_.begin(), hashes_.end(), hash) -
                                   hashes_.begin());
  uint32_t n = 0;
  SeenIds seen;
  // Every backend owns at least one point, so one lap always finds `want` distinct backends.
  for (size_t step = 0; step < size && n < want; ++step, ++pos) {
    if (pos == size) pos = 0;
    const BackendId id = owners_[pos];
    if (seen.insert(id, out, n)) out[n++] = id;
  }
  return n;
}

} // namespace tether::routing
