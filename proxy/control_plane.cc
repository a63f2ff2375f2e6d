#include "proxy/control_plane.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include "config/config_loader.h"
#include "config/reload_check.h"
#include "config/snapshot.h"
#include "health/health_checker.h"
#include "health/clock.h"
#include "proxy/admin/admin_api.h"
#include "proxy/admin/admin_server.h"
#include "proxy/server.h"

namespace tether::proxy {

using health::monotonicMs;
using health::wallMs;

namespace {

// logging.level applies at once: spdlog's level is process-wide and atomic. Logged before the
// switch, so a change to a quieter level is still seen.
void applyLogLevel(const config::Config& was, const config::Config& now) {
  using Logging = config::LoggingConfig;
  if (was.logging.level == now.logging.level) return;
  spdlog::info("reload: logging.level {} -> {}",
               Logging::kLevelNames[static_cast<size_t>(was.logging.level)],
               Logging::kLevelNames[static_cast<size_t>(now.logging.level)]);
  spdlog::set_level(static_cast<spdlog::level::level_enum>(config::spdlogLevel(now.logging.level)));
}

} // namespace

// Thread-pool work item: everything slow about a reload happens in doWork.
struct ControlPlane::ReloadWork {
  uv_work_t req;
  ControlPlane* self = nullptr;
  std::string path;
  uint64_t version = 0;
  config::SnapshotConstSharedPtr running;  // what the reload would replace
  config::LoadResult result{config::ConfigErrors{}};
  config::SnapshotConstSharedPtr snapshot;

  static void doWork(uv_work_t* req) {
    auto* w = static_cast<ReloadWork*>(req->data);
    if (w->path.empty()) return;  // a config built in code has no file to re-read
    w->result = config::loadConfigFile(w->path);
    if (!w->result.ok()) return;
    // Valid on its own is not enough: it must not move sessions a restart would keep.
    auto refused = config::checkReload(w->running->config, w->result.config());
    if (!refused.empty()) {
      w->result = {std::move(refused)};
      return;
    }
    w->snapshot = config::buildSnapshot(std::move(w->result.config()), w->version);
  }
  static void afterWork(uv_work_t* req, int) {
    std::unique_ptr<ReloadWork> w(static_cast<ReloadWork*>(req->data));
    w->self->finishReload(*w);
  }
};

ControlPlane::ControlPlane(Server& server) : server_(server) {
  uv_loop_init(&loop_);
  io_.emplace(&loop_);
  uv_async_init(&loop_, &async_, onAsyncCb);
  uv_timer_init(&loop_, &tick_);
  async_.data = this;
  tick_.data = this;
  checker_ = std::make_unique<health::HealthChecker>(
      &loop_, [this](const std::string& name, bool up, const std::string& detail) {
        auto g = server_.current();
        const auto& router = *g->snapshot->router;
        if (auto id = router.byName(name)) {
          g->backends->record(*id).setActive(up, detail, static_cast<int64_t>(uv_now(&loop_)), wallMs());
        }
      });
  api_ = std::make_unique<admin::AdminApi>(*this, *this);
}

ControlPlane::~ControlPlane() {
  stop();
  if (!started_) {
    // Never ran: close the handles here so the loop can be closed.
    beginClose();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
}

std::optional<std::string> ControlPlane::start(const config::Config& cfg) {
  if (started_) return "already started";
  if (cfg.admin.enabled) {
    admin_ = std::make_unique<admin::AdminServer>(
        *io_, cfg.admin.token,
        [this](const admin::AdminRequest& req, admin::AdminReply reply) {
          api_->handle(req, std::move(reply));
        });
    if (auto err = admin_->listen(cfg.admin.listen.host, cfg.admin.listen.port)) {
      return "admin listener " + cfg.admin.listen.toString() + ": " + *err;
    }
    admin_port_ = admin_->port();
  }
  reconcileHealth();
  uv_timer_start(&tick_, onTickCb, kTickMs, kTickMs);
  started_ = true;
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void ControlPlane::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop_) != 0) {
    clean_ = false;
    spdlog::error("control loop closed with live handles");
  }
}

void ControlPlane::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  uv_async_send(&async_);
  if (thread_.joinable()) thread_.join();
}

void ControlPlane::requestReload() {
  {
    std::lock_guard lock(mu_);
    reload_requested_ = true;
  }
  uv_async_send(&async_);
}

void ControlPlane::notifyPublished() {
  {
    std::lock_guard lock(mu_);
    published_ = true;
  }
  uv_async_send(&async_);
}

void ControlPlane::onAsyncCb(uv_async_t* h) { static_cast<ControlPlane*>(h->data)->onAsync(); }
void ControlPlane::onTickCb(uv_timer_t* t) { static_cast<ControlPlane*>(t->data)->onTick(); }

void ControlPlane::onAsync() {
  bool stop = false, reload = false, published = false;
  {
    std::lock_guard lock(mu_);
    stop = stop_requested_;
    std::swap(reload, reload_requested_);
    std::swap(published, published_);
  }
  if (closing_) return;
  if (stop) {
    beginClose();
    return;
  }
  if (published) reconcileHealth();
  if (reload) this->reload([](const ReloadOutcome&) {});
}

void ControlPlane::onTick() {
  auto g = server_.current();
  const auto& cfg = g->snapshot->config;
  const auto& router = *g->snapshot->router;
  const int64_t now = static_cast<int64_t>(uv_now(&loop_));
  const int64_t wall = wallMs();
  for (routing::BackendId id = 0; id < g->backends->size(); ++id) {
    const int64_t bound = g->routing_state ? g->routing_state->table().boundTo(router.stableId(id)) : 0;
    g->backends->record(id).tick(cfg.drain, bound, now, wall);
  }
}

void ControlPlane::reconcileHealth() {
  auto g = server_.current();
  const auto& cfg = g->snapshot->config;
  std::vector<health::ProbeTarget> targets;
  for (const auto& b : cfg.backends) targets.push_back({b.name, b.address.host, b.address.port});
  checker_->reconcile(cfg.health.active, std::move(targets));
  if (!cfg.health.active.enabled) {
    // Checks switched off: their last verdict must not keep a backend down forever.
    const int64_t now = static_cast<int64_t>(uv_now(&loop_));
    for (const auto& rt : g->backends->records()) {
      if (!rt->describe().active_up) rt->setActive(true, "", now, wallMs());
    }
  }
}

void ControlPlane::reload(ReloadDone done) {
  if (closing_) return;
  if (reloading_) {
    // A file edited again while we read it: read it once more afterwards.
    queued_.push_back(std::move(done));
    reload_queued_ = true;
    return;
  }
  waiting_.push_back(std::move(done));
  startReload();
}

void ControlPlane::startReload() {
  reloading_ = true;
  auto g = server_.current();
  auto* w = new ReloadWork{};
  w->req.data = w;
  w->self = this;
  w->path = g->snapshot->config.source_path;
  w->version = g->snapshot->version + 1;
  w->running = g->snapshot;
  uv_queue_work(&loop_, &w->req, ReloadWork::doWork, ReloadWork::afterWork);
}

void ControlPlane::finishReload(ReloadWork& w) {
  reloading_ = false;
  ReloadOutcome outcome;
  if (w.snapshot && !closing_) {
    const auto& running = server_.current()->snapshot->config;
    outcome.warnings = config::restartOnlyChanges(running, w.snapshot->config);
    applyLogLevel(running, w.snapshot->config);
    server_.publish(w.snapshot);  // reconciles health through notifyPublished()
    outcome.ok = true;
    spdlog::info("reloaded {} (config version {})", w.path, w.version);
    for (const auto& warning : outcome.warnings) spdlog::warn("reload: {}", warning);
  } else {
    if (w.path.empty()) {
      outcome.errors.push_back("the running config was not read from a file; nothing to reload");
    }
    for (const auto& e : w.result.errors()) outcome.errors.push_back(e.toString());
    spdlog::warn("reload of {} rejected; the running config stays", w.path);
    for (const auto& e : outcome.errors) spdlog::warn("{}", e);
  }
  outcome.version = server_.current()->snapshot->version;
  {
    std::lock_guard lock(stats_mu_);
    (outcome.ok ? stats_.ok : stats_.failed) += 1;
    stats_.last_unix_ms = wallMs();
    if (!outcome.ok) stats_.last_errors = outcome.errors;
  }
  auto done = std::move(waiting_);
  waiting_.clear();
  for (auto& d : done) d(outcome);
  if (reload_queued_ && !closing_) {
    reload_queued_ = false;
    waiting_ = std::move(queued_);
    queued_.clear();
    startReload();
  }
}

ControlPlane::ReloadStats ControlPlane::reloadStats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

admin::DataPlaneStatus ControlPlane::status() const {
  auto g = server_.current();
  const auto& cfg = g->snapshot->config;
  const auto& router = *g->snapshot->router;
  const int64_t now_ms = monotonicMs();
  admin::DataPlaneStatus s;
  s.version = g->snapshot->version;
  s.config_file = cfg.source_path;
  s.workers = server_.workerCount();
  s.reloads = reloadStats();
  s.active_checks = cfg.health.active.enabled;
  s.passive_checks = cfg.health.passive.enabled;
  s.drain_policy = cfg.drain.policy;
  s.load_metric = router.options().load_metric;
  for (routing::BackendId id = 0; id < router.backends().size(); ++id) {
    const auto& b = router.backends()[id];
    const auto& record = g->backends->record(id);
    admin::BackendStatus bs;
    bs.name = b.key;
    bs.address = cfg.backends[id].address.toString();
    bs.weight = b.weight;
    bs.detail = record.describe();
    bs.totals = record.totals();
    if (g->routing_state) bs.bound_sessions = g->routing_state->table().boundTo(router.stableId(id));
    bs.slow_start_share = g->backends->share(id, now_ms);
    if (auto probe = checker_->status(b.key)) {
      bs.probe = admin::ProbeDetail{probe->up, probe->last_detail, probe->probes};
    }
    s.backends.push_back(std::move(bs));
  }
  if (g->routing_state) {
    const auto& table = g->routing_state->table();
    s.stick_table = admin::StickTableStats{static_cast<uint64_t>(table.size()), table.evictions()};
  }
  return s;
}

uint32_t ControlPlane::workerCount() const { return server_.workerCount(); }

const admin::WorkerMetrics& ControlPlane::workerMetrics(uint32_t worker) const {
  return server_.workerMetrics(worker);
}

std::optional<admin::BackendChange> ControlPlane::setBackendState(std::string_view name,
                                                                  config::AdminState target) {
  auto g = server_.current();
  const auto id = g->snapshot->router->byName(name);
  if (!id) return std::nullopt;
  auto& record = g->backends->record(*id);
  const bool changed = record.setAdmin(target, monotonicMs(), wallMs());
  return admin::BackendChange{record.state(), changed};
}

void ControlPlane::beginClose() {
  if (closing_) return;
  closing_ = true;
  uv_timer_stop(&tick_);
  pending_closes_ = 2;
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), onClosed);
  ++pending_closes_;
  checker_->close([this] {
    if (--pending_closes_ == 0) spdlog::debug("control loop closed");
  });
  if (admin_) {
    ++pending_closes_;
    admin_->close([this] {
      --pending_closes_;
      io_->close();  // after the last admin connection: nothing writes on this loop any more
    });
  } else {
    io_->close();
  }
}

void ControlPlane::onClosed(uv_handle_t* h) {
  auto* self = static_cast<ControlPlane*>(h->data);
  --self->pending_closes_;
}

} // namespace tether::proxy
