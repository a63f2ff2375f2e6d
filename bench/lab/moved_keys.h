#pragma once
// MovedKeys: how much of the key space a state change remaps, against the minimum.
//
// A fixed sample of key hashes (uniform, from the run's seed) is placed with Router::place()
// before and after each change: where a NEW session with that key would go, bounded loads
// included at the loads of that moment. The moved fraction is compared with the theoretical
// minimum, the total variation distance between the weight shares of the backends that take new
// sessions before and after (adding 4 backends to 4 must move 1/2 of keys; one of 8 going down,
// 1/8; a weight change, the share that changed hands). A factor of 1.0 is optimal.
//
// Not meaningful for round_robin and random (no key -> backend function): the caller skips them.
// Single-threaded.

#include <cstdint>
#include <vector>

#include "bench/lab/cluster.h"

namespace tether::lab {

class MovedKeys {
public:
  MovedKeys(uint32_t sample_keys, uint64_t seed);

  // The slot each sample key is placed on now (Cluster::kNoSlot when nothing is usable).
  void capture(const Cluster& cluster, const routing::RouteContext& ctx,
               std::vector<uint32_t>& out) const;
  // Fraction of keys whose slot differs.
  static double movedFraction(const std::vector<uint32_t>& before,
                              const std::vector<uint32_t>& after);
  // Total variation distance between two share vectors (indexed by slot; the shorter one is
  // padded with zeros).
  static double minimumFraction(const std::vector<double>& before, const std::vector<double>& after);

  size_t size() const { return keys_.size(); }

private:
  std::vector<uint64_t> keys_;
};

} // namespace tether::lab
