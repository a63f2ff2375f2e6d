#include "routing/rendezvous.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "routing/hash.h"

namespace tether::routing {
namespace {

constexpr uint32_t kStackBackends = 1024;

struct Scored {
  double score;
  uint32_t rank;
  BackendId id;
};

// Strict preference: higher score first, then lower name rank.
bool before(const Scored& a, const Scored& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.rank < b.rank;
}

} // namespace

Rendezvous::Rendezvous(const BackendList& backends, uint64_t seed) {
  const size_t n = backends.size();
  name_hashes_.reserve(n);
  weights_.reserve(n);
  for (const auto& b : backends) {
    name_hashes_.push_back(hashBytes(b.key, seed));
    weights_.push_back(static_cast<double>(std::max<uint32_t>(b.weight, 1)));
    uniform_ = uniform_ && weights_.back() == weights_.front();
  }
  std::vector<BackendId> by_name(n);
  for (BackendId id = 0; id < n; ++id) by_name[id] = id;
  std::sort(by_name.begin(), by_name.end(),
            [&](BackendId a, BackendId b) { return backends[a].key < backends[b].key; });
  name_rank_.resize(n);
  for (uint32_t r = 0; r < n; ++r) name_rank_[by_name[r]] = r;
}

double Rendezvous::score(uint64_t hash, BackendId id) const {
  // The top 53 bits are exact in a double; +0.5 keeps u strictly inside (0,1).
  const double bits = static_cast<double>(mix64(hash, name_hashes_[id]) >> 11);
  if (uniform_) return bits;
  const double u = (bits + 0.5) * 0x1p-53;
  return -weights_[id] / std::log(u);
}

uint32_t Rendezvous::candidates(uint64_t hash, BackendId* out, uint32_t max) const {
  const uint32_t n = backendCount();
  const uint32_t want = std::min(max, n);
  if (want == 0) return 0;
  if (n <= kStackBackends) {
    Scored scored[kStackBackends];
    for (BackendId id = 0; id < n; ++id) scored[id] = {score(hash, id), name_rank_[id], id};
    if (want == 1) {
      out[0] = std::min_element(scored, scored + n, before)->id;
      return 1;
    }
    std::partial_sort(scored, scored + want, scored + n, before);
    for (uint32_t i = 0; i < want; ++i) out[i] = scored[i].id;
    return want;
  }
  // More backends than the stack buffer: select the next best `want` times.
  Scored last{std::numeric_limits<double>::infinity(), 0, kNoBackend};
  for (uint32_t i = 0; i < want; ++i) {
    Scored best{-1.0, UINT32_MAX, kNoBackend};
    for (BackendId id = 0; id < n; ++id) {
      const Scored s{score(hash, id), name_rank_[id], id};
      if ((i == 0 || before(last, s)) && (best.id == kNoBackend || before(s, best))) best = s;
    }
    out[i] = best.id;
    last = best;
  }
  return want;
}

} // namespace tether::routing
