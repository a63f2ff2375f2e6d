#pragma once
// JumpHash: jump consistent hash over a slot list (strategy "jump").
//
// Source: Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", arXiv:1406.2294
// (2014). jump(key, S) maps a key to one of S buckets with no table at all; growing S to S+1
// moves exactly 1/(S+1) of keys, all to the new bucket.
//
// Jump only tolerates removing the LAST bucket, so the bucket list is an explicit slot list of
// backend names (`jump.slots` in config; empty = the backends in config order). To remove any
// other backend, replace its name by "" (a tombstone) and keep the slot count: a key landing on a
// tombstone, or on a name not in the backend list, is rehashed (attempt a: mix64(hash, a)) and
// jumped again over the same slot count until it hits a live slot. Keys of live slots never move,
// so only the removed backend's keys move. To add a backend, append a slot (or reuse a tombstone).
// A name listed in two slots owns both (double share); a backend named in no slot is reached only
// as a late candidate.
//
// Weights: NOT honoured: each slot gets 1/S of the keys whatever the backend's weight. (Listing a
// name in several slots is the only way to weight jump.)
//
// Candidates: first = first live slot of the attempt sequence (attempts 0..63; with a fraction f of
// slots tombstoned, all 64 miss with probability f^64, and the key then falls through to the
// tail). Then the sequence continues, skipping repeats, and the backends not yet chosen follow in
// id order from a key-derived start.
//
// Thread affinity: immutable after construction; any thread. Cost: 4 bytes per slot; each attempt
// is O(ln S) multiply-and-divide steps; candidates() is O(ln S) for a first choice on a live slot.
// Never allocates on the call.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/strategy.h"

namespace tether::routing {

class JumpHash : public Strategy {
public:
  static constexpr uint32_t kMaxAttempts = 64;

  // `slots`: backend names, "" = tombstone; empty = every backend, in list order.
  JumpHash(const BackendList& backends, const std::vector<std::string>& slots);

  // routing::Strategy
  uint32_t candidates(uint64_t hash, BackendId* out, uint32_t max) const override;
  uint32_t backendCount() const override { return backend_count_; }
  bool sticky() const override { return true; }
  std::string_view name() const override { return "jump"; }

  // The paper's function: bucket in [0, buckets) for `key`; buckets must be > 0.
  static uint32_t jump(uint64_t key, uint32_t buckets);

  const std::vector<BackendId>& slots() const { return slots_; }

private:
  std::vector<BackendId> slots_; // kNoBackend = tombstone
  uint32_t backend_count_;
  bool any_live_ = false;
};

// Keeping a slot list (`jump.slots`) across backend changes so that only the keys that must move
// do: every other backend keeps its slot number. Used wherever slot lists are maintained (the
// config reload check's suggestion, the affinity lab's cluster), so all follow one rule.
//
// `name` leaves: its slot becomes a tombstone, and tombstones left at the end are dropped (the
// slot count shrinks back, as if the last backends had been removed).
void removeJumpSlot(std::vector<std::string>& slots, std::string_view name);
// `name` joins: it takes the first tombstone, or a new slot at the end.
void addJumpSlot(std::vector<std::string>& slots, const std::string& name);

} // namespace tether::routing
