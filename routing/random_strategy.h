#pragma once
// RandomStrategy: weighted random choice, not sticky (strategy "random").
//
// The caller passes a fresh random number as `hash` (the Router's per-request value); the first
// candidate is drawn with probability weight / total weight, by a multiply-shift of the 64-bit
// number onto [0, total) (Lemire, "Fast Random Integer Generation in an Interval", ACM TOMACS
// 2019, without the rejection step: the bias is below total / 2^64) and a binary search of the
// cumulative weights. The other backends follow in id order after the first, so a retry moves to
// a different backend. Weights: honoured for the first choice; the tail ignores them.
//
// Thread affinity: immutable after construction; any thread. Cost: O(log n) for the first choice,
// O(max) for the list. Never allocates on the call.

#include <cstdint>
#include <vector>

#include "routing/strategy.h"

namespace tether::routing {

class RandomStrategy : public Strategy {
public:
  explicit RandomStrategy(const BackendList& backends);

  // routing::Strategy
  uint32_t candidates(uint64_t random, BackendId* out, uint32_t max) const override;
  uint32_t backendCount() const override { return static_cast<uint32_t>(cumulative_.size()); }
  bool sticky() const override { return false; }
  std::string_view name() const override { return "random"; }

private:
  std::vector<uint64_t> cumulative_; // cumulative_[i] = weight of backends 0..i
};

} // namespace tether::routing
