#pragma once
// Server: the whole data plane of one tether process. Owns the worker threads (one libuv loop
// each, each with its own SO_REUSEPORT listener per listen address) and publishes snapshots to
// them.
//
// Thread affinity: start(), shutdown() and publish() may be called from any one control thread;
// workers never call back into it. Used in-process by the integration tests (port 0 is resolved
// at start() and visible through ports()) and by main.cc.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/snapshot.h"
#include "proxy/generation.h"
#include "proxy/admin/worker_metrics.h"

namespace tether::proxy {

class AccessLog;
class ControlPlane;
class Worker;

class Server {
public:
  explicit Server(config::SnapshotConstSharedPtr snapshot);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listen address (port 0 picks a free port once and every worker shares it) and
  // the admin listener, and starts the workers and the control loop (health checks, reloads,
  // admin API). Returns an error text, or nullopt on success.
  std::optional<std::string> start();

  // Actual bound ports, in the order of config.listen.
  const std::vector<uint16_t>& ports() const { return ports_; }

  // Hands a new snapshot to every worker; requests in flight keep the one they started with.
  // Backend records (state, health, counters) carry over by backend name. Any thread.
  void publish(config::SnapshotConstSharedPtr snapshot);
  // SIGHUP: re-read the config file on the control loop. Any thread.
  void requestReload();

  // The generation new requests get now. Any thread.
  GenerationConstSharedPtr current() const;
  // The state table of the current generation (health checks and the admin API write it).
  health::BackendView& backendView() { return *current()->backends; }
  config::SnapshotConstSharedPtr snapshot() const { return current()->snapshot; }
  // Bound admin listener port (0 = no admin listener).
  uint16_t adminPort() const;
  const admin::WorkerMetrics& workerMetrics(uint32_t worker) const { return metrics_[worker]; }

  // Graceful stop: stop accepting, let in-flight requests finish for up to graceful_shutdown,
  // then close everything. Returns once every worker loop is closed. Idempotent.
  void shutdown();

  // True when every worker's uv_loop_close() returned 0 (no leaked handle). Valid after shutdown.
  bool loopsClosedCleanly() const { return clean_; }

  uint32_t workerCount() const { return worker_count_; }
  routing::RoutingState& routingState() { return *routing_state_; }

private:
  // Bindings and loads outlive every generation: reloads keep sessions where they are.
  std::unique_ptr<routing::RoutingState> routing_state_;
  uint32_t worker_count_;
  std::unique_ptr<admin::WorkerMetrics[]> metrics_;  // one per worker; written only by that worker
  mutable std::mutex mu_;                     // guards generation_
  GenerationConstSharedPtr generation_;
  std::unique_ptr<ControlPlane> control_;
  std::unique_ptr<AccessLog> access_log_;  // outlives the workers that write to it
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<uint16_t> ports_;
  bool started_ = false;
  bool stopped_ = false;
  void loadBindings();
  void saveBindings();
  bool clean_ = true;
};

} // namespace tether::proxy
