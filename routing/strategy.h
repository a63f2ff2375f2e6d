#pragma once
// Strategy: one placement algorithm (round robin now; ring, maglev, rendezvous, jump, multiprobe
// and the naive baselines in the routing issue), behind one interface.
//
// A strategy is built once per snapshot from the backend list and is immutable afterwards; it is
// shared by every worker thread. It never knows about health: it yields an ordered candidate
// sequence (attempt 0 = first choice, 1 = next, ...) and the Router skips candidates that are not
// usable, so a health flap never rebuilds anything (see ../shared/style.md §4.4).

#include <cstdint>
#include <memory>
#include <string_view>

#include "routing/backend.h"

namespace tether::routing {

class Strategy {
public:
  virtual ~Strategy() = default;
  // Candidate `attempt` for `hash`. Sticky strategies derive it from the session key's hash;
  // non-sticky ones (round_robin) receive a per-request counter instead. May repeat a backend;
  // callers skip repeats and stop after a bounded number of attempts.
  virtual BackendId pick(uint64_t hash, uint32_t attempt) const = 0;
  virtual uint32_t backendCount() const = 0;
  // Attempts after which every backend has been offered at least once.
  virtual uint32_t attemptBound() const = 0;
  // True when the same key must always map to the same first choice.
  virtual bool sticky() const = 0;
  virtual std::string_view name() const = 0;
};

using StrategyConstSharedPtr = std::shared_ptr<const Strategy>;

} // namespace tether::routing
