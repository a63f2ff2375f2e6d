#pragma once
// Worker: one thread running one libuv loop with its own listeners, client connections and
// upstream pool. Workers share nothing on the request path except the immutable snapshot and the
// thread-safe access log.
//
// Cross-thread: publish() and requestStop() may be called from any thread. They store the latest
// value under a mutex and wake the loop with uv_async_send, which coalesces: only the latest
// snapshot matters, and a worker picks it up between requests. Everything else is loop thread
// only. Owns its loop and every handle on it; run() returns once uv_loop_close() has run.
//
// Normally start() runs the loop on the worker's own thread. Tests and fuzzers instead drive the
// loop from their own thread (loop(), uv_run) and hand it connections over in-memory transports
// with adopt(), with a MemoryConnector in place of TCP for the backends.

#include <uv.h>

#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "proxy/admin/worker_metrics.h"
#include "proxy/generation.h"
#include "proxy/transport/connector.h"
#include "proxy/transport/io_loop.h"
#include "proxy/upstream/upstream_pool.h"

namespace tether::proxy {

class AccessLog;
class DownstreamConnection;
class Listener;

class Worker {
public:
  // `connector`: how backend connections are made; null = TCP.
  Worker(uint32_t index, GenerationConstSharedPtr generation, std::vector<int> listen_fds,
         AccessLog& access_log, admin::WorkerMetrics& metrics,
         transport::Connector* connector = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Control thread.
  // Starts listening and runs the loop on the worker's own thread.
  void start();
  // Runs the loop on the calling thread until the worker stopped, then closes it (start() calls
  // this on the worker's thread; tests call it on theirs after requestStop()).
  void run();
  void publish(GenerationConstSharedPtr generation);
  void requestStop();
  void join();
  bool closedCleanly() const { return clean_; }

  // Loop thread.
  uv_loop_t* loop() { return &loop_; }
  transport::IoLoop& io() { return *io_; }
  const GenerationConstSharedPtr& generation() const { return generation_; }
  const config::Config& config() const { return generation_->snapshot->config; }
  upstream::UpstreamPool& pool() { return *pool_; }
  // Serialisation space for one head at a time; whatever is written into it is copied out before
  // the call that filled it returns, so one per loop serves every connection.
  std::string& scratch() { return scratch_; }
  AccessLog& accessLog() { return access_log_; }
  admin::WorkerMetrics& metrics() { return metrics_; }
  uint32_t index() const { return index_; }
  bool stopping() const { return stopping_; }
  void accept(uv_stream_t* server);
  // Serves a client connection over `transport` (accepted, or in memory); over the connection
  // limit, or while stopping, it is closed at once.
  void adopt(transport::Transport* transport);
  // Per-worker xorshift64*: random placement and keyless session ids; no shared state.
  uint64_t nextRandom() {
    random_ ^= random_ >> 12;
    random_ ^= random_ << 25;
    random_ ^= random_ >> 27;
    return random_ * 0x2545F4914F6CDD1DULL;
  }
  void onConnectionClosed(DownstreamConnection* conn);

  static constexpr uint64_t kSweepMs = 5000;

private:
  void onAsyncImpl();
  void beginStop();
  void maybeFinish();
  void forceClose();
  static void onAsync(uv_async_t* h);
  static void onStopTimer(uv_timer_t* t);
  static void onSweepTimer(uv_timer_t* t);

  uint32_t index_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t stop_timer_;
  uv_timer_t sweep_timer_;  // worker 0 only: drops idle stick-table entries
  uint64_t random_;
  std::optional<transport::IoLoop> io_;  // built once loop_ is initialised
  transport::TcpConnector tcp_connector_;
  transport::Connector* connector_;
  std::string scratch_;
  GenerationConstSharedPtr generation_;
  std::vector<int> listen_fds_;
  std::vector<Listener*> listeners_;
  std::unordered_set<DownstreamConnection*> connections_;
  std::optional<upstream::UpstreamPool> pool_;
  AccessLog& access_log_;
  admin::WorkerMetrics& metrics_;
  std::thread thread_;
  bool stopping_ = false;
  bool finished_ = false;
  bool clean_ = true;

  std::mutex mu_;  // guards the two fields below (written by the control thread)
  GenerationConstSharedPtr latest_;
  bool stop_requested_ = false;
};

} // namespace tether::proxy
