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
#include <optional>
#include <string>
#include <vector>

#include "config/snapshot.h"
#include "proxy/generation.h"

namespace tether::proxy {

class AccessLog;
class Worker;

class Server {
public:
  explicit Server(config::SnapshotConstSharedPtr snapshot);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listen address (port 0 picks a free port once and every worker shares it) and
  // starts the workers. Returns an error text, or nullopt on success.
  std::optional<std::string> start();

  // Actual bound ports, in the order of config.listen.
  const std::vector<uint16_t>& ports() const { return ports_; }

  // Hands a new snapshot to every worker; requests in flight keep the one they started with.
  // Backend states carry over by backend name.
  void publish(config::SnapshotConstSharedPtr snapshot);

  // The state table of the current generation (health checks and the admin API write it).
  health::BackendStates& backendStates() { return *generation_->states; }
  const config::Snapshot& snapshot() const { return *generation_->snapshot; }

  // Graceful stop: stop accepting, let in-flight requests finish for up to graceful_shutdown,
  // then close everything. Returns once every worker loop is closed. Idempotent.
  void shutdown();

  // True when every worker's uv_loop_close() returned 0 (no leaked handle). Valid after shutdown.
  bool loopsClosedCleanly() const { return clean_; }

  uint32_t workerCount() const { return static_cast<uint32_t>(workers_.size()); }
  routing::SessionStore& sessions() { return *store_; }

private:
  // Bindings and loads outlive every generation: reloads keep sessions where they are.
  std::unique_ptr<routing::SessionStore> store_;
  GenerationConstSharedPtr generation_;
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
