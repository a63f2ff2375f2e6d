#pragma once
// Rendezvous: weighted highest-random-weight hashing (strategy "rendezvous").
//
// Source: Thaler & Ravishankar, "Using Name-Based Mappings to Increase Hit Rates", IEEE/ACM ToN
// 1998 (HRW); the weighted score -w / ln(u) is Schindelhauer & Schomaker, "Weighted Distributed
// Hash Tables", SPAA'05, as popularised by Jason Resch's "New Hashing Algorithms for Data Storage"
// (SNIA SDC 2015). Every backend scores every key: u = mix64(key hash, hashBytes(name, seed))
// mapped to (0,1), score = -weight / ln(u); the preference order is descending score. With all
// weights equal the score is monotonic in u, so the logarithm is skipped (same order, cheaper).
// Exact score ties (2^-53) are broken by name.
//
// Properties: removing a backend moves only its keys; adding one moves ~1/(N+1) of keys, all to
// the new backend; each backend's share is its weight share up to sampling noise; the order is
// the same for any list order (scores depend on names only). Weights: honoured.
//
// Thread affinity: immutable after construction; any thread. Cost: candidates() scores all n
// backends (n logarithms when weights differ) and partially sorts the top `max`: O(n + max log
// max), in a 16 KiB stack buffer for up to 1024 backends (config/'s cap); above that it falls back
// to an O(n * max) selection so it still never allocates.

#include <cstdint>
#include <vector>

#include "routing/strategy.h"

namespace tether::routing {

class Rendezvous : public Strategy {
public:
  Rendezvous(const BackendList& backends, uint64_t seed);

  // routing::Strategy
  uint32_t candidates(uint64_t hash, BackendId* out, uint32_t max) const override;
  uint32_t backendCount() const override { return static_cast<uint32_t>(name_hashes_.size()); }
  bool sticky() const override { return true; }
  std::string_view name() const override { return "rendezvous"; }

  // Public for tests: backend `id`'s score for a key (higher wins).
  double score(uint64_t hash, BackendId id) const;

private:
  std::vector<uint64_t> name_hashes_;
  std::vector<double> weights_;
  std::vector<uint32_t> name_rank_; // position of each id in name order: the tie-break
  bool uniform_ = true;
};

} // namespace tether::routing
