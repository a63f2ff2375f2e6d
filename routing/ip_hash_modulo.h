#pragma once
// IpHashModulo: the naive "hash mod N" baseline (strategy "ip_hash_modulo").
//
// What nginx's `ip_hash` and many hand-rolled balancers do: first choice = hash mod n over the
// backend LIST POSITION, next choices = (hash + i) mod n. It is sticky while the list is
// unchanged, but deliberately position-based: removing a backend from the middle of the list, or
// adding one, remaps about (n-1)/n of all keys. It exists so tests and benchmarks can show what the
// consistent strategies save; do not pick it for production. Weights: NOT honoured.
//
// Thread affinity: immutable after construction; any thread. Cost: O(max), no memory besides the
// count. Never allocates on the call.

#include <cstdint>

#include "routing/strategy.h"

namespace tether::routing {

class IpHashModulo : public Strategy {
public:
  explicit IpHashModulo(const BackendList& backends)
      : backend_count_(static_cast<uint32_t>(backends.size())) {}

  // routing::Strategy
  uint32_t candidates(uint64_t hash, BackendId* out, uint32_t max) const override;
  uint32_t backendCount() const override { return backend_count_; }
  bool sticky() const override { return true; }
  std::string_view name() const override { return "ip_hash_modulo"; }

private:
  uint32_t backend_count_;
};

} // namespace tether::routing
