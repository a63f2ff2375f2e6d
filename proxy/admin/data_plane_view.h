#pragma once
// What the admin endpoints see of the running proxy, and what they may change.
//
// DataPlaneView is the one read-only interface the admin room reads the data plane through: a
// status report built as plain values (per backend: state, health, drain, bound sessions,
// traffic; reloads; the stick table), and the per-worker counters. AdminActions is the short
// list of changes an operator can ask for. The admin room therefore knows nothing of workers,
// generations or the control loop; the control plane implements both interfaces.
// Both are called on the control loop.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_model.h"
#include "health/backend_record.h"
#include "proxy/admin/worker_metrics.h"
#include "routing/router.h"

namespace tether::proxy::admin {

// The active health check of one backend, as the checker last saw it.
struct ProbeDetail {
  bool up = true;
  std::string last_detail;
  uint64_t probes = 0;
};

struct BackendStatus {
  std::string name;
  std::string address;
  uint32_t weight = 1;
  health::BackendRecord::Description detail;  // state, admin state, health, drain, transitions
  health::BackendRecord::Totals totals;       // requests, errors, in flight, summed over workers
  int64_t bound_sessions = 0;
  double slow_start_share = 1.0;
  std::optional<ProbeDetail> probe;           // nullopt when the backend is not actively checked
};

struct ReloadStats {
  uint64_t ok = 0;
  uint64_t failed = 0;
  int64_t last_unix_ms = 0;              // end of the last attempt, 0 = none
  std::vector<std::string> last_errors;  // of the last failed attempt
};

struct StickTableStats {
  uint64_t entries = 0;
  uint64_t evictions = 0;
};

struct DataPlaneStatus {
  uint64_t version = 0;  // config version: 1 at start, +1 per reload
  std::string config_file;
  uint32_t workers = 0;
  ReloadStats reloads;
  bool active_checks = false;
  bool passive_checks = false;
  config::DrainConfig::Policy drain_policy = config::DrainConfig::Policy::Keep;
  routing::LoadMetric load_metric = routing::LoadMetric::Sessions;
  std::vector<BackendStatus> backends;     // in config order
  std::optional<StickTableStats> stick_table;  // when bindings are kept
};

class DataPlaneView {
public:
  virtual ~DataPlaneView() = default;
  virtual DataPlaneStatus status() const = 0;
  virtual uint32_t workerCount() const = 0;
  virtual const WorkerMetrics& workerMetrics(uint32_t worker) const = 0;
};

struct ReloadOutcome {
  bool ok = false;
  uint64_t version = 0;               // the running config version afterwards
  std::vector<std::string> errors;    // file:line:col: message, when !ok
  std::vector<std::string> warnings;  // settings that only a restart applies
};
using ReloadDone = std::function<void(const ReloadOutcome&)>;

struct BackendChange {
  health::BackendState state = health::BackendState::Ready;  // effective state afterwards
  bool changed = false;
};

class AdminActions {
public:
  virtual ~AdminActions() = default;
  // The operator's state for backend `name`; nullopt when no backend has that name.
  virtual std::optional<BackendChange> setBackendState(std::string_view name,
                                                       config::AdminState target) = 0;
  // Re-reads the config file off the loops; `done` runs on the control loop afterwards.
  virtual void reload(ReloadDone done) = 0;
};

} // namespace tether::proxy::admin
