#pragma once
// BackendStates: the usable/unusable state of each backend, read by the router at pick time.
//
// Health is state, not a table rebuild (style.md §4.4): the strategy's tables never change when a
// backend goes down; the Router skips it through this filter, so only that backend's keys move.
// One instance per snapshot, shared by every worker: states are relaxed atomics because a pick
// that sees a flip one request late is harmless, and the request path must not take a lock.
// Writers: the health checker and the admin API (later issues). Readers: any thread.

#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include "routing/backend.h"
#include "routing/router.h"

namespace tether::health {

enum class BackendState : uint8_t {
  Ready = 0,    // receives new sessions and bound ones
  Down,         // failed health checks
  Draining,     // operator: no new sessions, bound ones continue
  Maintenance,  // operator: nothing
};

std::string_view stateName(BackendState state);

class BackendStates : public routing::BackendFilter {
public:
  explicit BackendStates(size_t backend_count);

  BackendState get(routing::BackendId id) const;
  void set(routing::BackendId id, BackendState state);
  size_t size() const { return states_.size(); }

  // routing::BackendFilter: only Ready backends take requests routed by the strategy.
  bool usable(routing::BackendId id) const override;

  // Backends that may keep serving sessions already bound to them: Ready and Draining.
  const routing::BackendFilter& bindable() const { return bindable_; }

private:
  class Bindable : public routing::BackendFilter {
  public:
    explicit Bindable(const BackendStates& s) : s_(s) {}
    bool usable(routing::BackendId id) const override {
      const auto st = s_.get(id);
      return st == BackendState::Ready || st == BackendState::Draining;
    }

  private:
    const BackendStates& s_;
  };

  std::vector<std::atomic<BackendState>> states_;
  Bindable bindable_{*this};
};

using BackendStatesSharedPtr = std::shared_ptr<BackendStates>;

} // namespace tether::health
