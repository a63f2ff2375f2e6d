#pragma once
// UpstreamPool: a worker's keep-alive connections to backends, keyed by backend address.
//
// acquire() hands out the most recently used idle connection (LIFO: the warmest one, and the
// least likely to have been closed by the backend's own idle timeout) or starts a new connect.
// release() keeps a connection only if UpstreamConnection::reusable() says the exchange ended
// cleanly and fewer than upstream.max_idle_per_backend are idle; otherwise it closes it.
// Loop thread only. Does not own connections while they are attached to a client; it tracks
// every live connection so shutdown can close them all.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config_model.h"
#include "routing/backend.h"

namespace tether::proxy {

class UpstreamConnection;
class Worker;

class UpstreamPool {
public:
  explicit UpstreamPool(Worker& worker) : worker_(worker) {}
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  struct Acquired {
    UpstreamConnection* conn;
    bool reused;
  };
  // nullptr conn only when the backend address cannot be turned into a sockaddr.
  Acquired acquire(const routing::Backend& backend, const config::Config& config);
  void release(UpstreamConnection* conn, const config::Config& config);
  // Called by UpstreamConnection::close().
  void forget(UpstreamConnection* conn);
  void closeAll();

  size_t idleCount() const { return idle_count_; }
  size_t liveCount() const { return live_.size(); }

private:
  void publishGauges();

  Worker& worker_;
  std::unordered_map<std::string, std::vector<UpstreamConnection*>> idle_;
  std::unordered_set<UpstreamConnection*> live_;
  size_t idle_count_ = 0;
};

} // namespace tether::proxy
