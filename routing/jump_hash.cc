#include "routing/jump_hash.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "routing/hash.h"
#include "routing/seen_ids.h"

namespace tether::routing {

JumpHash::JumpHash(const BackendList& backends, const std::vector<std::string>& slots)
    : backend_count_(static_cast<uint32_t>(backends.size())) {
  if (slots.empty()) {
    slots_.resize(backends.size());
    for (BackendId id = 0; id < backend_count_; ++id) slots_[id] = id;
  } else {
    std::unordered_map<std::string_view, BackendId> by_name;
    for (BackendId id = 0; id < backend_count_; ++id) by_name.emplace(backends[id].key, id);
    slots_.reserve(slots.size());
    for (const auto& name : slots) {
      const auto it = name.empty() ? by_name.end() : by_name.find(name);
      slots_.push_back(it == by_name.end() ? kNoBackend : it->second);
    }
  }
  any_live_ = std::any_of(slots_.begin(), slots_.end(),
                          [](BackendId id) { return id != kNoBackend; });
}

uint32_t JumpHash::jump(uint64_t key, uint32_t buckets) {
  // Lamping & Veach, Figure 1: a 64-bit LCG step, then jump forward by the inverse of a uniform
  // draw. The constant is the paper's LCG multiplier.
  int64_t b = -1;
  int64_t j = 0;
  while (j < static_cast<int64_t>(buckets)) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<int64_t>(static_cast<double>(b + 1) *
                             (static_cast<double>(int64_t{1} << 31) /
                              static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<uint32_t>(b);
}

uint32_t JumpHash::candidates(uint64_t hash, BackendId* out, uint32_t max) const {
  const uint32_t want = std::min(max, backend_count_);
  if (want == 0) return 0;
  uint32_t n = 0;
  SeenIds seen;
  if (any_live_) {
    const uint32_t buckets = static_cast<uint32_t>(slots_.size());
    for (uint32_t attempt = 0; attempt < kMaxAttempts && n < want; ++attempt) {
      const uint64_t key = attempt == 0 ? hash : mix64(hash, attempt);
      const BackendId id = slots_[jump(key, buckets)];
      if (id != kNoBackend && seen.insert(id, out, n)) out[n++] = id;
    }
  }
  const uint32_t start = static_cast<uint32_t>(mix64(hash, kMaxAttempts) % backend_count_);
  for (uint32_t i = 0; i < backend_count_ && n < want; ++i) {
    const BackendId id = (start + i) % backend_count_;
    if (seen.insert(id, out, n)) out[n++] = id;
  }
  return n;
}

void removeJumpSlot(std::vector<std::string>& slots, std::string_view name) {
  const auto it = std::find(slots.begin(), slots.end(), name);
  if (it != slots.end()) it->clear();
  while (!slots.empty() && slots.back().empty()) slots.pop_back();
}

void addJumpSlot(std::vector<std::string>& slots, const std::string& name) {
  const auto tomb = std::find(slots.begin(), slots.end(), std::string());
  if (tomb != slots.end()) *tomb = name;
  else slots.push_back(name);
}

} // namespace tether::routing
