#pragma once
// ControlPlane: the process's control loop, on its own thread. It hosts everything that is not
// request traffic:
//   - the active health checker (health::HealthChecker), reconciled with every generation, whose
//     verdicts go into the backends' BackendRecord (shared state every worker reads);
//   - a housekeeping tick (ejection ends, drain deadlines, "drained since");
//   - config reloads: file read, YAML parse, validation and table building run in libuv's thread
//     pool (uv_queue_work), then the new snapshot is published to every worker at once;
//   - the admin listener (AdminServer + AdminApi), when `admin:` is configured.
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

namespace tether::health {
class HealthChecker;
}

namespace tether::proxy {

class AdminApi;
class AdminServer;
class Server;

class ControlPlane {
public:
  struct ReloadOutcome {
    bool ok = false;
    uint64_t version = 0;             // the running config version afterwards
    std::vector<std::string> errors;  // file:line:col: message, when !ok
    std::vector<std::string> warnings;  // settings that only a restart applies
  };
  struct ReloadStats {
    uint64_t ok = 0;
    uint64_t failed = 0;
    int64_t last_unix_ms = 0;               // end of the last attempt, 0 = none
    std::vector<std::string> last_errors;   // of the last failed attempt
  };
  using ReloadDone = std::function<void(const ReloadOutcome&)>;

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
  void reload(ReloadDone done);
  ReloadStats reloadStats() const;
  // Active check detail for /status; nullopt when the backend is not actively checked.
  struct ProbeDetail {
    bool up = true;
    std::string last_detail;
    uint64_t probes = 0;
  };
  std::optional<ProbeDetail> probeDetail(const std::string& name) const;

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
  uv_async_t async_;
  uv_timer_t tick_;
  std::unique_ptr<health::HealthChecker> checker_;
  std::unique_ptr<AdminApi> api_;
  std::unique_ptr<AdminServer> admin_;
  std::thread thread_;
  uint16_t admin_port_ = 0;
  int pending_closes_ = 0;
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
