#pragma once
// Strategy: one placement algorithm behind one interface: ring, maglev, rendezvous, jump,
// multiprobe, and the non-sticky or naive baselines round_robin, random, ip_hash_modulo.
//
// A strategy is built once per snapshot from the backend list and is immutable afterwards; it is
// shared by every worker thread. It never knows about health: it yields an ordered candidate
// sequence (first choice, then the next ones) and the Router skips candidates that are not
// usable, so a health flap never rebuilds anything: health is state, not a table rebuild.

#include <cstdint>
#include <memory>
#include <string_view>

#include "routing/backend.h"

namespace tether::routing {

class Strategy {
public:
  virtual ~Strategy() = default;
  // Writes up to `max` DISTINCT backends into `out`, in this key's order of preference (first
  // choice first), and returns how many it wrote: min(max, backendCount()). Deterministic for a
  // given hash and backend set. Sticky strategies receive the session key's hash; non-sticky ones
  // (round_robin, random) receive a per-request counter or random number instead. Never allocates.
  virtual uint32_t candidates(uint64_t hash, BackendId* out, uint32_t max) const = 0;
  virtual uint32_t backendCount() const = 0;
  // True when the same key always yields the same preference order.
  virtual bool sticky() const = 0;
  virtual std::string_view name() const = 0;
};

using StrategyConstSharedPtr = std::shared_ptr<const Strategy>;

} // namespace tether::routing
