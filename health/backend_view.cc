#include "health/backend_view.h"

#include "health/backend_rules.h"
#include "health/clock.h"

namespace tether::health {

BackendView::BackendView(std::vector<BackendRecordSharedPtr> records, const config::Config& config)
    : records_(std::move(records)),
      drain_policy_(config.drain.policy),
      slow_start_ms_(config.health.slow_start.count()) {}

BackendView::BackendView(size_t backend_count) {
  for (size_t i = 0; i < backend_count; ++i) {
    records_.push_back(std::make_shared<BackendRecord>("#" + std::to_string(i), 1,
                                                         config::AdminState::Ready, 0, 0, false));
  }
}

BackendState BackendView::get(routing::BackendId id) const {
  if (id >= records_.size()) return BackendState::Maintenance;
  return records_[id]->state();
}

void BackendView::set(routing::BackendId id, BackendState state) {
  if (id >= records_.size()) return;
  auto& rt = *records_[id];
  const int64_t now = monotonicMs();
  const int64_t wall = wallMs();
  switch (state) {
  case BackendState::Ready:
    rt.setAdmin(config::AdminState::Ready, now, wall);
    rt.clearHealth(now, wall);
    break;
  case BackendState::Down: rt.setActive(false, "forced down", now, wall); break;
  case BackendState::Draining: rt.setAdmin(config::AdminState::Drain, now, wall); break;
  case BackendState::Maintenance: rt.setAdmin(config::AdminState::Maintenance, now, wall); break;
  }
}

bool BackendView::usable(routing::BackendId id) const { return usableFor(get(id)); }

double BackendView::share(routing::BackendId id, int64_t now_ms) const {
  if (slow_start_ms_ <= 0 || id >= records_.size()) return 1.0;
  const int64_t since = records_[id]->slowStartSinceMs();
  if (since == 0 || now_ms - since >= slow_start_ms_) return 1.0;
  if (now_ms <= since) return 0.0;
  return static_cast<double>(now_ms - since) / static_cast<double>(slow_start_ms_);
}

bool BackendView::Bindable::usable(routing::BackendId id) const {
  // get() answers Maintenance for an id out of range; the record is read only for a real one.
  const bool expired = id < s_.records_.size() && s_.records_[id]->drainExpired();
  return bindableFor(s_.get(id), s_.drain_policy_, expired);
}

routing::RebindCause BackendView::Bindable::unbindableCause(routing::BackendId id) const {
  return health::unbindableCause(s_.get(id));
}

} // namespace tether::health
