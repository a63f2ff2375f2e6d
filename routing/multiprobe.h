#pragma once
// MultiProbe: multi-probe consistent hashing (strategy "multiprobe").
//
// Source: Appleton & O'Reilly, "Multi-Probe Consistent Hashing", arXiv:1505.00062 (2015). Each
// backend owns ONE point on a 64-bit circle (hashBytes(name, seed)); the key is hashed `probes`
// times (probe i = mix64(key hash, i); default 21, the paper's choice for a peak-to-mean load of
// about 1.05), and the backend whose point is the closest clockwise successor of any probe wins.
// One point per backend instead of ketama's hundreds: memory O(n), at the price of `probes`
// binary searches per lookup.
//
// Candidates after the first: all backends ranked by their best (smallest) clockwise distance
// from any probe; ties (equal points) by name. The first candidate of the ranking is the winner
// above, so both paths agree.
//
// Weights: honoured approximately, via extra points: after dividing weights by their gcd, a
// backend of weight w owns w points (point 0 = hashBytes(name), point i = hashBytes(name#i)). With
// equal weights this is exactly the paper's one point per backend. Points depend on names only,
// so the choice is the same for any list order. Removing a backend moves only its keys; adding one
// moves ~1/(N+1) of keys, all to the new backend.
//
// Thread affinity: immutable after construction; any thread. Cost: first choice = `probes`
// binary searches over P points, O(k log P); a longer candidate list scores every point against
// every probe, O(k*P + n log n), in stack buffers (probes are clamped to [1, 256]; up to 1024
// backends ranked with a partial sort, beyond that an O(n * max) selection). Never allocates on
// the call.

#include <cstdint>
#include <vector>

#include "routing/strategy.h"

namespace tether::routing {

class MultiProbe : public Strategy {
public:
  static constexpr uint32_t kDefaultProbes = 21;
  static constexpr uint32_t kMaxProbes = 256;

  MultiProbe(const BackendList& backends, uint64_t seed, uint32_t probes = kDefaultProbes);

  // routing::Strategy
  uint32_t candidates(uint64_t hash, BackendId* out, uint32_t max) const override;
  uint32_t backendCount() const override { return backend_count_; }
  bool sticky() const override { return true; }
  std::string_view name() const override { return "multiprobe"; }

  uint32_t probes() const { return probes_; }

private:
  uint64_t bestDistance(const uint64_t* probes, BackendId id) const;

  std::vector<uint64_t> ring_hashes_;  // sorted by (hash, name rank)
  std::vector<BackendId> ring_owners_;
  std::vector<uint64_t> points_;       // the same points grouped by backend
  std::vector<uint32_t> point_begin_;  // id's points: [point_begin_[id], point_begin_[id + 1])
  std::vector<uint32_t> name_rank_;    // position of each id in name order: the tie-break
  uint32_t backend_count_;
  uint32_t probes_;
};

} // namespace tether::routing
