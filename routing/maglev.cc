#include "routing/maglev.h"

#include <algorithm>

#include "routing/hash.h"
#include "routing/seen_ids.h"

namespace tether::routing {
namespace {

bool isPrime(uint64_t v) {
  if (v < 2) return false;
  for (uint64_t d = 2; d * d <= v; ++d) {
    if (v % d == 0) return false;
  }
  return true;
}

uint64_t nextPrime(uint64_t v) {
  while (!isPrime(v)) ++v;
  return v;
}


} // namespace

Maglev::Maglev(const BackendList& backends, uint64_t seed, uint32_t table_size)
    : backend_count_(static_cast<uint32_t>(backends.size())) {
  by_name_.resize(backends.size());
  for (BackendId id = 0; id < backend_count_; ++id) by_name_[id] = id;
  std::sort(by_name_.begin(), by_name_.end(),
            [&](BackendId a, BackendId b) { return backends[a].key < backends[b].key; });
  if (backends.empty()) return;

  const uint64_t m = nextPrime(std::max<uint64_t>(table_size, 2));
  struct Entry {
    BackendId id;
    uint64_t offset;
    uint64_t skip;
    uint64_t weight;
    uint64_t target;
    uint64_t next = 0; // position in this backend's permutation
  };
  std::vector<Entry> entries;
  entries.reserve(backends.size());
  uint64_t max_weight = 1;
  for (BackendId id : by_name_) {
    const uint64_t h = hashBytes(backends[id].key, seed);
    const uint64_t w = std::max<uint32_t>(backends[id].weight, 1);
    max_weight = std::max(max_weight, w);
    // target = w: every backend takes a turn in round 1, as in Envoy.
    entries.push_back({id, h % m, mix64(h, 1) % (m - 1) + 1, w, w});
  }

  table_.assign(m, kNoBackend);
  uint64_t filled = 0;
  for (uint64_t round = 1; filled < m; ++round) {
    for (auto& e : entries) {
      if (filled == m) break;
      if (round * e.weight < e.target) continue;
      e.target += max_weight;
      uint64_t slot = (e.offset + e.next * e.skip) % m;
      while (table_[slot] != kNoBackend) {
        ++e.next;
        slot = (e.offset + e.next * e.skip) % m;
      }
      table_[slot] = e.id;
      ++e.next;
      ++filled;
    }
  }
}

uint32_t Maglev::candidates(uint64_t hash, BackendId* out, uint32_t max) const {
  const uint32_t want = std::min(max, backend_count_);
  if (want == 0) return 0;
  const uint64_t m = table_.size();
  out[0] = table_[hash % m];
  uint32_t n = 1;
  SeenIds seen;
  seen.insert(out[0], out, 0);
  for (uint32_t i = 1; i <= kRehashTries && n < want; ++i) {
    const BackendId id = table_[mix64(hash, i) % m];
    if (seen.insert(id, out, n)) out[n++] = id;
  }
  const uint32_t start = static_cast<uint32_t>(mix64(hash, kRehashTries + 1) % backend_count_);
  for (uint32_t i = 0; i < backend_count_ && n < want; ++i) {
    const BackendId id = by_name_[(start + i) % backend_count_];
    if (seen.insert(id, out, n)) out[n++] = id;
  }
  return n;
}

} // namespace tether::routing
