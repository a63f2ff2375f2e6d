#include "routing/multiprobe.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "routing/hash.h"

namespace tether::routing {
namespace {

constexpr uint32_t kStackBackends = 1024;

struct Ranked {
  uint64_t distance;
  uint32_t rank;
  BackendId id;
};

bool before(const Ranked& a, const Ranked& b) {
  if (a.distance != b.distance) return a.distance < b.distance;
  return a.rank < b.rank;
}

} // namespace

MultiProbe::MultiProbe(const BackendList& backends, uint64_t seed, uint32_t probes)
    : backend_count_(static_cast<uint32_t>(backends.size())),
      probes_(std::clamp<uint32_t>(probes, 1, kMaxProbes)) {
  std::vector<BackendId> by_name(backend_count_);
  std::iota(by_name.begin(), by_name.end(), BackendId{0});
  std::sort(by_name.begin(), by_name.end(),
            [&](BackendId a, BackendId b) { return backends[a].key < backends[b].key; });
  name_rank_.resize(backend_count_);
  for (uint32_t r = 0; r < backend_count_; ++r) name_rank_[by_name[r]] = r;

  uint64_t g = 0;
  for (const auto& b : backends) g = std::gcd(g, uint64_t{std::max<uint32_t>(b.weight, 1)});
  if (g == 0) g = 1;
  struct Point {
    uint64_t hash;
    uint32_t rank;
    BackendId owner;
  };
  std::vector<Point> ring;
  std::string label;
  point_begin_.reserve(backend_count_ + 1);
  for (BackendId id = 0; id < backend_count_; ++id) {
    point_begin_.push_back(static_cast<uint32_t>(points_.size()));
    const uint64_t count = std::max<uint32_t>(backends[id].weight, 1) / g;
    for (uint64_t i = 0; i < count; ++i) {
      if (i == 0) {
        label = backends[id].key;
      } else {
        label.assign(backends[id].key).append("#").append(std::to_string(i));
      }
      const uint64_t h = hashBytes(label, seed);
      points_.push_back(h);
      ring.push_back({h, name_rank_[id], id});
    }
  }
  point_begin_.push_back(static_cast<uint32_t>(points_.size()));
  std::sort(ring.begin(), ring.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.rank < b.rank;
  });
  ring_hashes_.reserve(ring.size());
  ring_owners_.reserve(ring.size());
  for (const auto& p : ring) {
    ring_hashes_.push_back(p.hash);
    ring_owners_.push_back(p.owner);
  }
}

uint64_t MultiProbe::bestDistance(const uint64_t* probes, BackendId id) const {
  uint64_t best = UINT64_MAX;
  for (uint32_t p = point_begin_[id]; p < point_begin_[id + 1]; ++p) {
    // Unsigned subtraction is the clockwise distance on the 2^64 circle.
    for (uint32_t i = 0; i < probes_; ++i) best = std::min(best, points_[p] - probes[i]);
  }
  return best;
}

uint32_t MultiProbe::candidates(uint64_t hash, BackendId* out, uint32_t max) const {
  const uint32_t want = std::min(max, backend_count_);
  if (want == 0) return 0;
  uint64_t probes[kMaxProbes];
  for (uint32_t i = 0; i < probes_; ++i) probes[i] = mix64(hash, i);

  if (want == 1) {
    Ranked best{UINT64_MAX, UINT32_MAX, kNoBackend};
    const uint64_t* ring = ring_hashes_.data();
    const size_t size = ring_hashes_.size();
    for (uint32_t i = 0; i < probes_; ++i) {
      // Hand-rolled lower_bound over a raw pointer: the same result, but `probes` searches per
      // key stay cheap in Debug+ASan builds too, where the test suite runs 100 000 keys.
      size_t lo = 0, len = size;
      while (len > 0) {
        const size_t half = len / 2;
        if (ring[lo + half] < probes[i]) {
          lo += half + 1;
          len -= half + 1;
        } else {
          len = half;
        }
      }
      const size_t pos = lo == size ? 0 : lo;
      const BackendId id = ring_owners_[pos];
      const Ranked r{ring[pos] - probes[i], name_rank_[id], id};
      if (best.id == kNoBackend || before(r, best)) best = r;
    }
    out[0] = best.id;
    return 1;
  }
  if (backend_count_ <= kStackBackends) {
    Ranked ranked[kStackBackends];
    for (BackendId id = 0; id < backend_count_; ++id) {
      ranked[id] = {bestDistance(probes, id), name_rank_[id], id};
    }
    std::partial_sort(ranked, ranked + want, ranked + backend_count_, before);
    for (uint32_t i = 0; i < want; ++i) out[i] = ranked[i].id;
    return want;
  }
  // More backends than the stack buffer: select the next best `want` times.
  Ranked last{0, 0, kNoBackend};
  for (uint32_t i = 0; i < want; ++i) {
    Ranked best{UINT64_MAX, UINT32_MAX, kNoBackend};
    for (BackendId id = 0; id < backend_count_; ++id) {
      const Ranked r{bestDistance(probes, id), name_rank_[id], id};
      if ((i == 0 || before(last, r)) && (best.id == kNoBackend || before(r, best))) best = r;
    }
    out[i] = best.id;
    last = best;
  }
  return want;
}

} // namespace tether::routing
