#pragma once
// LoadCounters: in-flight requests per backend, counted across every worker (the `requests`
// load metric of bounded loads). Keyed by the backend's stable id (a hash of its name), not by
// its index, so counts survive reloads that reorder or add backends.
//
// Fixed-capacity open addressing with insert-only keys: lookups and updates are lock-free
// (relaxed atomics; a placement that reads a count one request stale is harmless), and nothing
// is ever freed while another thread may hold a slot. Capacity is far above the backend cap.

#include <atomic>
#include <cstdint>
#include <memory>

namespace tether::routing {

class LoadCounters {
public:
  static constexpr size_t kSlots = 8192;  // power of two; >> Router::kMaxCandidates backends

  LoadCounters() : slots_(new Slot[kSlots]) {}

  void add(uint64_t id, int64_t delta) {
    if (Slot* s = find(id, true)) s->value.fetch_add(delta, std::memory_order_relaxed);
  }
  int64_t get(uint64_t id) const {
    const Slot* s = const_cast<LoadCounters*>(this)->find(id, false);
    return s ? s->value.load(std::memory_order_relaxed) : 0;
  }

private:
  struct Slot {
    std::atomic<uint64_t> key{0};  // 0 = empty; ids are never 0 (see Router::stableId)
    std::atomic<int64_t> value{0};
  };

  Slot* find(uint64_t id, bool insert) {
    for (size_t i = 0, at = id & (kSlots - 1); i < kSlots; ++i, at = (at + 1) & (kSlots - 1)) {
      uint64_t k = slots_[at].key.load(std::memory_order_acquire);
      if (k == id) return &slots_[at];
      if (k == 0) {
        if (!insert) return nullptr;
        if (slots_[at].key.compare_exchange_strong(k, id, std::memory_order_acq_rel) || k == id) {
          return &slots_[at];
        }
      }
    }
    return nullptr;
  }

  std::unique_ptr<Slot[]> slots_;
};

} // namespace tether::routing
