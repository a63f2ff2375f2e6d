#include "health/backend_record.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace tether::health {

std::string_view stateName(BackendState state) {
  switch (state) {
  case BackendState::Ready: return "ready";
  case BackendState::Down: return "down";
  case BackendState::Draining: return "draining";
  case BackendState::Maintenance: return "maintenance";
  }
  return "unknown";
}

std::string_view adminStateName(config::AdminState state) {
  switch (state) {
  case config::AdminState::Ready: return "ready";
  case config::AdminState::Drain: return "drain";
  case config::AdminState::Maintenance: return "maintenance";
  }
  return "unknown";
}

BackendRecord::BackendRecord(std::string name, uint32_t worker_shards, config::AdminState initial,
                               int64_t now_ms, int64_t now_unix_ms, bool slow_start)
    : name_(std::move(name)), admin_(initial), shard_count_(std::max<uint32_t>(1, worker_shards)),
      shards_(new TrafficShard[shard_count_]) {
  if (slow_start) slow_start_since_ms_.store(std::max<int64_t>(1, now_ms), std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  recompute(now_ms, now_unix_ms);
  // Starting in a state is not a transition anyone should count.
  std::fill(std::begin(transitions_), std::end(transitions_), 0);
  last_change_unix_ms_ = now_unix_ms;
  started_ = true;
}

void BackendRecord::recompute(int64_t now_ms, int64_t now_unix_ms) {
  BackendState next = BackendState::Ready;
  if (admin_ == config::AdminState::Maintenance) {
    next = BackendState::Maintenance;
  } else if (!active_up_ || ejected_until_ms_ != 0) {
    next = BackendState::Down;  // health wins over drain: bound sessions cannot stay on it
  } else if (admin_ == config::AdminState::Drain) {
    next = BackendState::Draining;
  }
  if (admin_ == config::AdminState::Drain) {
    if (drain_since_ms_ == 0) {
      drain_since_ms_ = std::max<int64_t>(1, now_ms);
      drain_since_unix_ms_ = now_unix_ms;
      drain_empty_since_unix_ms_ = 0;
      drain_expired_.store(false, std::memory_order_relaxed);
    }
  } else {
    drain_since_ms_ = drain_since_unix_ms_ = drain_empty_since_unix_ms_ = 0;
    drain_expired_.store(false, std::memory_order_relaxed);
  }
  const BackendState prev = state_.load(std::memory_order_relaxed);
  if (next == prev) return;
  state_.store(next, std::memory_order_relaxed);
  ++transitions_[static_cast<size_t>(next)];
  last_change_unix_ms_ = now_unix_ms;
  // A backend coming back from an outage takes new sessions gradually (health.slow_start); one
  // leaving drain already has its sessions and needs no ramp.
  if (next == BackendState::Ready &&
      (prev == BackendState::Down || prev == BackendState::Maintenance)) {
    slow_start_since_ms_.store(std::max<int64_t>(1, now_ms), std::memory_order_relaxed);
  }
  if (started_) {  // the constructor's first computation is not news
    const auto level = next == BackendState::Down ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "backend {}: {} -> {}{}{}", name_, stateName(prev), stateName(next),
                active_detail_.empty() ? "" : " (", active_detail_.empty() ? "" : active_detail_ + ")");
  }
}

void BackendRecord::passiveFailure(const config::PassiveHealthConfig& cfg, int64_t now_ms,
                                    int64_t now_unix_ms) {
  if (!cfg.enabled) return;
  const uint32_t n = consecutive_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n < cfg.consecutive_failures) return;
  std::lock_guard lock(mu_);
  if (ejected_until_ms_ != 0) return;  // already out; failures of requests in flight don't stack
  // Back off while failures continue: each ejection in a streak doubles, up to max_eject_for.
  int64_t length = cfg.eject_for.count();
  for (uint32_t i = 0; i < ejections_ && length < cfg.max_eject_for.count(); ++i) length *= 2;
  length = std::min<int64_t>(length, cfg.max_eject_for.count());
  ++ejections_;
  ejection_streak_.store(true, std::memory_order_relaxed);
  ejected_until_ms_ = now_ms + length;
  ejected_until_unix_ms_ = now_unix_ms + length;
  consecutive_failures_.store(0, std::memory_order_relaxed);
  spdlog::warn("backend {}: ejected for {} ms after {} consecutive failures", name_, length, n);
  recompute(now_ms, now_unix_ms);
}

void BackendRecord::passiveSuccess() {
  if (consecutive_failures_.load(std::memory_order_relaxed) != 0) {
    consecutive_failures_.store(0, std::memory_order_relaxed);
  }
  if (ejection_streak_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(mu_);
    if (ejected_until_ms_ == 0) {  // a success after the ejection ended closes the streak
      ejections_ = 0;
      ejection_streak_.store(false, std::memory_order_relaxed);
    }
  }
}

bool BackendRecord::setAdmin(config::AdminState admin, int64_t now_ms, int64_t now_unix_ms) {
  std::lock_guard lock(mu_);
  if (admin_ == admin) return false;
  spdlog::info("backend {}: admin state {} -> {}", name_, adminStateName(admin_), adminStateName(admin));
  admin_ = admin;
  recompute(now_ms, now_unix_ms);
  return true;
}

void BackendRecord::setActive(bool up, std::string detail, int64_t now_ms, int64_t now_unix_ms) {
  std::lock_guard lock(mu_);
  active_up_ = up;
  active_detail_ = std::move(detail);
  recompute(now_ms, now_unix_ms);
}

void BackendRecord::clearHealth(int64_t now_ms, int64_t now_unix_ms) {
  std::lock_guard lock(mu_);
  active_up_ = true;
  active_detail_.clear();
  ejected_until_ms_ = ejected_until_unix_ms_ = 0;
  ejections_ = 0;
  ejection_streak_.store(false, std::memory_order_relaxed);
  consecutive_failures_.store(0, std::memory_order_relaxed);
  recompute(now_ms, now_unix_ms);
}

void BackendRecord::tick(const config::DrainConfig& drain, int64_t bound_sessions, int64_t now_ms,
                          int64_t now_unix_ms) {
  std::lock_guard lock(mu_);
  if (ejected_until_ms_ != 0 && now_ms >= ejected_until_ms_) {
    ejected_until_ms_ = ejected_until_unix_ms_ = 0;
    spdlog::info("backend {}: ejection over", name_);
    recompute(now_ms, now_unix_ms);
  }
  if (drain_since_ms_ == 0) return;
  if (drain.timeout.count() > 0 && now_ms - drain_since_ms_ >= drain.timeout.count() &&
      !drain_expired_.load(std::memory_order_relaxed)) {
    drain_expired_.store(true, std::memory_order_relaxed);
    spdlog::info("backend {}: drain timeout passed; its remaining sessions move on their next request",
                 name_);
  }
  int64_t in_flight = 0;
  for (uint32_t i = 0; i < shard_count_; ++i) in_flight += shards_[i].in_flight.load(std::memory_order_relaxed);
  const bool empty = bound_sessions <= 0 && in_flight <= 0;
  if (empty && drain_empty_since_unix_ms_ == 0) {
    drain_empty_since_unix_ms_ = now_unix_ms;
    spdlog::info("backend {}: drained (no bound session, nothing in flight)", name_);
  } else if (!empty) {
    drain_empty_since_unix_ms_ = 0;
  }
}

BackendRecord::Description BackendRecord::describe() const {
  std::lock_guard lock(mu_);
  Description d;
  d.state = state_.load(std::memory_order_relaxed);
  d.admin = admin_;
  d.active_up = active_up_;
  d.active_detail = active_detail_;
  d.ejected = ejected_until_ms_ != 0;
  d.ejected_until_unix_ms = ejected_until_unix_ms_;
  d.ejections = ejections_;
  d.consecutive_failures = consecutive_failures_.load(std::memory_order_relaxed);
  d.last_change_unix_ms = last_change_unix_ms_;
  d.drain_since_unix_ms = drain_since_unix_ms_;
  d.drain_empty_since_unix_ms = drain_empty_since_unix_ms_;
  d.drain_expired = drain_expired_.load(std::memory_order_relaxed);
  d.slow_start_since_ms = slow_start_since_ms_.load(std::memory_order_relaxed);
  std::copy(std::begin(transitions_), std::end(transitions_), d.transitions);
  return d;
}

uint64_t BackendRecord::Totals::allRequests() const {
  uint64_t n = 0;
  for (const auto& cls : requests) {
    for (uint64_t v : cls) n += v;
  }
  return n;
}

BackendRecord::Totals BackendRecord::totals() const {
  Totals t;
  for (uint32_t s = 0; s < shard_count_; ++s) {
    const auto& shard = shards_[s];
    for (size_t c = 0; c < TrafficShard::kStatusClasses; ++c) {
      for (size_t r = 0; r < TrafficShard::kReasons; ++r) {
        t.requests[c][r] += shard.requests[c][r].load(std::memory_order_relaxed);
      }
    }
    t.errors += shard.errors.load(std::memory_order_relaxed);
    t.in_flight += shard.in_flight.load(std::memory_order_relaxed);
  }
  return t;
}

} // namespace tether::health
