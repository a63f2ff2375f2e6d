#pragma once
// SeenIds: distinct-id tracking for one Strategy::candidates() call without allocating. A stack
// bitset covers the 1024 backends config/ allows (Router::kMaxCandidates); larger ids fall back to
// scanning the ids already written to `out`.

#include <algorithm>
#include <cstdint>

#include "routing/backend.h"

namespace tether::routing {

class SeenIds {
public:
  // True when `id` was not seen before (and records it).
  bool insert(BackendId id, const BackendId* out, uint32_t n) {
    if (id < kBits) {
      const uint64_t bit = uint64_t{1} << (id % 64);
      if (words_[id / 64] & bit) return false;
      words_[id / 64] |= bit;
      return true;
    }
    return std::find(out, out + n, id) == out + n;
  }

private:
  static constexpr uint32_t kBits = 1024;
  uint64_t words_[kBits / 64] = {};
};

} // namespace tether::routing
