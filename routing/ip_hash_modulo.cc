#include "routing/ip_hash_modulo.h"

#include <algorithm>

namespace tether::routing {

uint32_t IpHashModulo::candidates(uint64_t hash, BackendId* out, uint32_t max) const {
  const uint32_t want = std::min(max, backend_count_);
  if (want == 0) return 0;
  // (hash mod n + i) mod n, not (hash + i) mod n: the latter wraps at 2^64 and could repeat.
  const auto first = static_cast<uint32_t>(hash % backend_count_);
  for (uint32_t i = 0; i < want; ++i) out[i] = (first + i) % backend_count_;
  return want;
}

} // namespace tether::routing
