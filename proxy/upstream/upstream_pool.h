#pragma once
// UpstreamPool: a worker's keep-alive connections to backends, keyed by backend address.
//
// acquire() hands out the most recently used idle connection (LIFO: the warmest one, and the
// least likely to have been closed by the backend's own idle timeout) or starts a new connect
// through the Connector (TCP in production, in memory in tests). release() keeps a connection
// only if UpstreamConnection::reusable() says the exchange ended cleanly and fewer than
// upstream.max_idle_per_backend are idle; otherwise it closes it.
//
// Loop thread only. Does not own connections while they are attached to a client; it tracks
// every live connection so shutdown can close them all. The gauges, when given, are the
// worker's idle and open connection counts for /metrics.

#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config_model.h"
#include "proxy/transport/connector.h"
#include "proxy/transport/io_loop.h"
#include "routing/backend.h"

namespace tether::proxy::upstream {

class UpstreamConnection;

class UpstreamPool {
public:
  struct Gauges {
    std::atomic<int64_t>* idle = nullptr;
    std::atomic<int64_t>* open = nullptr;
  };

  UpstreamPool(transport::IoLoop& io, transport::Connector& connector, Gauges gauges)
      : io_(io), connector_(connector), gauges_(gauges) {}
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  struct Acquired {
    UpstreamConnection* conn;  // never null; a connect that fails reports it as an error event
    bool reused;
  };
  Acquired acquire(const routing::Backend& backend, const config::Config& config);
  void release(UpstreamConnection* conn, const config::Config& config);
  // Called by UpstreamConnection::close().
  void forget(UpstreamConnection* conn);
  void closeAll();

  size_t idleCount() const { return idle_count_; }
  size_t liveCount() const { return live_.size(); }

private:
  void publishGauges();

  transport::IoLoop& io_;
  transport::Connector& connector_;
  Gauges gauges_;
  std::unordered_map<std::string, std::vector<UpstreamConnection*>> idle_;
  std::unordered_set<UpstreamConnection*> live_;
  size_t idle_count_ = 0;
};

} // namespace tether::proxy::upstream
