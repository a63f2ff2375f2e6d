#include "health/health_checker.h"

#include <spdlog/spdlog.h>

#include <cassert>
#include <unordered_set>
#include <utility>

namespace tether::health {

namespace {

// Fields that change what or how a probe checks. ActiveHealthConfig has no operator== of its own.
bool sameCheck(const config::ActiveHealthConfig& a, const config::ActiveHealthConfig& b) {
  return a.enabled == b.enabled && a.type == b.type && a.path == b.path &&
         a.expect_min == b.expect_min && a.expect_max == b.expect_max && a.host == b.host &&
         a.interval == b.interval && a.timeout == b.timeout && a.rise == b.rise &&
         a.fall == b.fall && a.jitter_percent == b.jitter_percent;
}

} // namespace

HealthChecker::HealthChecker(uv_loop_t* loop, OnChange on_change)
    : HealthChecker(loop, std::move(on_change), std::random_device{}()) {}

HealthChecker::HealthChecker(uv_loop_t* loop, OnChange on_change, uint64_t seed)
    : loop_(loop), on_change_(std::move(on_change)), rng_(seed) {
  uv_timer_init(loop_, &marker_);  // cannot fail; inactive, so it does not keep the loop alive
  marker_.data = this;
}

HealthChecker::~HealthChecker() {
  assert(closed_ && "HealthChecker destroyed before close() completed");
}

void HealthChecker::reconcile(const config::ActiveHealthConfig& cfg,
                              std::vector<ProbeTarget> targets) {
  if (closing_) return;
  const bool cfg_changed = !sameCheck(cfg_, cfg);
  cfg_ = cfg;
  if (!cfg.enabled) targets.clear();

  std::unordered_set<std::string_view> wanted;
  for (const ProbeTarget& t : targets) wanted.insert(t.name);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto next = std::next(it);
    if (wanted.count(it->first) == 0) closeSession(it);
    it = next;
  }

  std::unordered_set<std::string_view> seen;
  for (ProbeTarget& t : targets) {
    if (!seen.insert(t.name).second) continue;  // duplicate name: the first wins
    auto it = sessions_.find(t.name);
    if (it == sessions_.end()) {
      auto session = std::make_unique<ProbeSession>(loop_, owner(), rng_, t.name, std::move(t.host),
                                                    t.port, cfg_, /*initially_up=*/true);
      session->start();
      sessions_.emplace(session->name(), std::move(session));
      continue;
    }
    ProbeSession& s = *it->second;
    const bool moved = s.host() != t.host || s.port() != t.port;
    if (moved || cfg_changed) s.restart(cfg_, std::move(t.host), t.port, /*reset_runs=*/moved);
  }
}

std::optional<HealthChecker::Status> HealthChecker::status(std::string_view name) const {
  auto it = sessions_.find(name);
  if (it == sessions_.end()) return std::nullopt;
  const ProbeSession& s = *it->second;
  return Status{s.riseFall().up(), s.riseFall().consecutiveOk(), s.riseFall().consecutiveFail(),
                s.lastDetail(), s.lastProbeMs(), s.probes()};
}

void HealthChecker::close(std::function<void()> done) {
  if (closed_) {
    if (done) done();
    return;
  }
  if (done) done_.push_back(std::move(done));
  if (closing_) return;
  closing_ = true;
  while (!sessions_.empty()) closeSession(sessions_.begin());
  uv_close(reinterpret_cast<uv_handle_t*>(&marker_), onMarkerClosed);
}

void HealthChecker::closeSession(SessionMap::iterator it) {
  ProbeSession* raw = it->second.get();
  closing_sessions_.emplace(raw, std::move(it->second));
  sessions_.erase(it);
  raw->close();
}

void HealthChecker::onTransition(ProbeSession& session, Transition t, const std::string& detail) {
  const bool up = t == Transition::Up;
  if (up) {
    spdlog::info("health: backend {} is up after {} passed checks: {}", session.name(),
                 session.riseFall().consecutiveOk(), detail);
  } else {
    spdlog::warn("health: backend {} is down after {} failed checks: {}", session.name(),
                 session.riseFall().consecutiveFail(), detail);
  }
  if (on_change_) on_change_(session.name(), up, detail);
}

void HealthChecker::onSessionClosed(ProbeSession* session) {
  closing_sessions_.erase(session);
  maybeFinishClose();
}

void HealthChecker::onMarkerClosed(uv_handle_t* handle) noexcept {
  auto* self = static_cast<HealthChecker*>(handle->data);
  self->marker_closed_ = true;
  self->maybeFinishClose();
}

void HealthChecker::maybeFinishClose() {
  if (!closing_ || !marker_closed_ || !sessions_.empty() || !closing_sessions_.empty()) return;
  closed_ = true;
  auto done = std::move(done_);
  done_.clear();
  for (auto& d : done) d();  // a `done` may destroy us: nothing of ours is touched after the loop
}

} // namespace tether::health
