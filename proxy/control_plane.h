#pragma once
// ControlPlane: the process's control loop, on its own thread. It hosts everything that is not
// request traffic:
//   - the active health checker (health::HealthChecker), reconciled with every generation, whose
//     verdicts go into the backends' BackendRecord (shared state every worker reads);
//   - a housekeeping tick (ejection ends, drain deadlines, "drained since");
//   - config reloads: file read, YAML parse, validation and table building run in libuv's thread
//     pool (uv_queue_work), then the new snapshot is published to every worker at once;
//   - the admin listener (admin::AdminServer + admin::AdminApi), when `admin:` is configured.
//
// Threads: start(), stop(), requestReload() and notifyPublished() may be called from any thread;
// everything else runs on the control loop. Owns its loop and every handle on it; stop() closes
// them all and joins the thread, after which uv_loop_close() must have returned 0.

#include <uv.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config_model.h"
#include "proxy/admin/data_plane_view.h"
#include "proxy/transport/io_loop.h"

namespace tether::health {
class HealthChecker;
}

namespace tether::proxy {

namespace admin {
class AdminApi;
class AdminServer;
} // namespace admin
class Server;

class ControlPlane final : public admin::DataPlaneView, public admin::AdminActions {
public:
  using ReloadOutcome = admin::ReloadOutcome;
  using ReloadStats = admin::ReloadStats;
  using ReloadDone = admin::ReloadDone;

  static constexpr uint64_t kTickMs = 100;

  explicit ControlPlane(Server& server);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Binds the admin listener (if configured) and starts the thread. Error text on failure.
  std::optional<std::string> start(const config::Config& config);
  // Closes every handle (waiting for a reload in progress) and joins. Idempotent.
  void stop();
  // SIGHUP: reload the config file from the control loop. Coalesces while one is running.
  void requestReload();
  // The server published a generation (reload, or a test calling Server::publish directly):
  // reconcile health checks with its backends.
  void notifyPublished();
  uint16_t adminPort() const { return admin_port_; }
  bool closedCleanly() const { return clean_; }

  // ---- control loop only ----
  ReloadStats reloadStats() const;

  // admin::DataPlaneView
  admin::DataPlaneStatus status() const override;
  uint32_t workerCount() const override;
  const admin::WorkerMetrics& workerMetrics(uint32_t worker) const override;

  // admin::AdminActions
  std::optional<admin::BackendChange> setBackendState(std::string_view name,
                                                      config::AdminState target) override;
  void reload(ReloadDone done) override;

private:
  struct ReloadWork;

  void run();
  void onAsync();
  void onTick();
  void reconcileHealth();
  void startReload();
  void finishReload(ReloadWork& work);
  void beginClose();
  static void onAsyncCb(uv_async_t* h);
  static void onTickCb(uv_timer_t* t);
  static void onClosed(uv_handle_t* h);

  Server& server_;
  uv_loop_t loop_;
  std::optional<transport::IoLoop> io_;  // the admin connections' read buffer and write batch
  uv_async_t async_;
  uv_timer_t tick_;
  std::unique_ptr<health::HealthChecker> checker_;
  std::unique_ptr<admin::AdminApi> api_;
  std::unique_ptr<admin::AdminServer> admin_;
  uint16_t admin_port_ = 0;
  int pending_closes_ = 0;
  std::thread thread_;
  bool started_ = false;
  bool stopped_ = false;
  bool closing_ = false;
  bool clean_ = true;

  // Reloads: one at a time; requests arriving meanwhile join the next one.
  bool reloading_ = false;
  std::vector<ReloadDone> waiting_;   // done callbacks of the reload running now
  std::vector<ReloadDone> queued_;    // for the next one
  bool reload_queued_ = false;
  mutable std::mutex stats_mu_;
  ReloadStats stats_;

  std::mutex mu_;  // guards the requests below (written from any thread)
  bool stop_requested_ = false;
  bool reload_requested_ = false;
  bool published_ = false;
};

} // namespace tether::proxy
