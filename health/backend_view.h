#pragma once
// BackendView: one generation's view of its backends' run-time state, indexed by BackendId and
// read by the router at pick time.
//
// Health is state, not a table rebuild: the strategy's tables never change when a backend goes
// down; the Router skips it through these filters, so only that backend's keys move. The state
// itself lives in BackendRecord objects (by name, shared with the previous and next generations);
// this class only maps ids to them and adds the generation's config knobs (drain policy, slow
// start). What each state allows is decided by backend_rules.h. Immutable after construction; any
// thread.

#include <memory>
#include <string_view>
#include <vector>

#include "config/config_model.h"
#include "health/backend_record.h"
#include "routing/router.h"

namespace tether::health {

class BackendView : public routing::BackendFilter, public routing::SlowStart {
public:
  // `records[i]` belongs to backend i of the generation's router.
  BackendView(std::vector<BackendRecordSharedPtr> records, const config::Config& config);
  // Tests: `backend_count` fresh ready backends with default knobs.
  explicit BackendView(size_t backend_count);

  BackendState get(routing::BackendId id) const;
  size_t size() const { return records_.size(); }
  BackendRecord& record(routing::BackendId id) const { return *records_[id]; }
  const std::vector<BackendRecordSharedPtr>& records() const { return records_; }

  // Forces an effective state the way an operator and the probes would produce it (tests and
  // tools): Down = a failed probe, Draining/Maintenance = the admin state, Ready = admin ready
  // and every health verdict cleared.
  void set(routing::BackendId id, BackendState state);

  // routing::BackendFilter: only Ready backends take NEW sessions (usableFor()).
  bool usable(routing::BackendId id) const override;
  // routing::SlowStart: the share of new sessions a backend in slow start accepts.
  double share(routing::BackendId id, int64_t now_ms) const override;

  // Backends that keep serving sessions already bound to them (bindableFor()): Ready, and
  // Draining while the drain policy keeps bound sessions and drain.timeout has not passed.
  const routing::BackendFilter& bindable() const { return bindable_; }

private:
  class Bindable : public routing::BackendFilter {
  public:
    explicit Bindable(const BackendView& s) : s_(s) {}
    bool usable(routing::BackendId id) const override;
    routing::RebindCause unbindableCause(routing::BackendId id) const override;

  private:
    const BackendView& s_;
  };

  std::vector<BackendRecordSharedPtr> records_;
  config::DrainConfig::Policy drain_policy_ = config::DrainConfig::Policy::Keep;
  int64_t slow_start_ms_ = 0;
  Bindable bindable_{*this};
};

using BackendViewSharedPtr = std::shared_ptr<BackendView>;

} // namespace tether::health
