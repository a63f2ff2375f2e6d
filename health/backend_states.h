#pragma once
// BackendStates: one generation's view of its backends' run-time state, indexed by BackendId and
// read by the router at pick time.
//
// Health is state, not a table rebuild (style.md §4.4): the strategy's tables never change when a
// backend goes down; the Router skips it through these filters, so only that backend's keys move.
// The state itself lives in BackendRuntime objects (by name, shared with the previous and next
// generations); this class only maps ids to them and adds the generation's config knobs (drain
// policy, slow start). Immutable after construction; any thread.

#include <memory>
#include <string_view>
#include <vector>

#include "config/config_model.h"
#include "health/backend_runtime.h"
#include "routing/router.h"

namespace tether::health {

class BackendStates : public routing::BackendFilter, public routing::SlowStart {
public:
  // `runtimes[i]` belongs to backend i of the generation's router.
  BackendStates(std::vector<BackendRuntimeSharedPtr> runtimes, const config::Config& config);
  // Tests: `backend_count` fresh ready backends with default knobs.
  explicit BackendStates(size_t backend_count);

  BackendState get(routing::BackendId id) const;
  size_t size() const { return runtimes_.size(); }
  BackendRuntime& runtime(routing::BackendId id) const { return *runtimes_[id]; }
  const std::vector<BackendRuntimeSharedPtr>& runtimes() const { return runtimes_; }

  // Forces an effective state the way an operator and the probes would produce it (tests and
  // tools): Down = a failed probe, Draining/Maintenance = the admin state, Ready = admin ready
  // and every health verdict cleared.
  void set(routing::BackendId id, BackendState state);

  // routing::BackendFilter: only Ready backends take NEW sessions.
  bool usable(routing::BackendId id) const override;
  // routing::SlowStart: the share of new sessions a backend in slow start accepts.
  double share(routing::BackendId id, int64_t now_ms) const override;

  // Backends that keep serving sessions already bound to them: Ready, and Draining while the
  // drain policy keeps bound sessions and drain.timeout has not passed.
  const routing::BackendFilter& bindable() const { return bindable_; }

private:
  class Bindable : public routing::BackendFilter {
  public:
    explicit Bindable(const BackendStates& s) : s_(s) {}
    bool usable(routing::BackendId id) const override;
    routing::RebindCause unbindableCause(routing::BackendId id) const override;

  private:
    const BackendStates& s_;
  };

  std::vector<BackendRuntimeSharedPtr> runtimes_;
  bool drain_keeps_bound_ = true;  // drain.policy: keep
  int64_t slow_start_ms_ = 0;
  Bindable bindable_{*this};
};

using BackendStatesSharedPtr = std::shared_ptr<BackendStates>;

} // namespace tether::health
