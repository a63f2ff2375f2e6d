#pragma once
// Worker: one thread running one libuv loop with its own listeners, client connections and
// upstream pool. Workers share nothing on the request path except the immutable snapshot and the
// thread-safe access log.
//
// Cross-thread: publish() and requestStop() may be called from any thread. They store the latest
// value under a mutex and wake the loop with uv_async_send, which coalesces: only the latest
// snapshot matters (style.md §4.5, §4.9 rule 7). Everything else is loop thread only.
// Owns its loop and every handle on it; the thread ends once uv_loop_close() has run.

#include <uv.h>

#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "proxy/generation.h"
#include "proxy/upstream_pool.h"
#include "proxy/write_batch.h"
#include "proxy/worker_metrics.h"

namespace tether::proxy {

class AccessLog;
class DownstreamConnection;
class Listener;

class Worker {
public:
  Worker(uint32_t index, GenerationConstSharedPtr generation, std::vector<int> listen_fds,
         AccessLog& access_log, WorkerMetrics& metrics);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Control thread.
  void start();
  void publish(GenerationConstSharedPtr generation);
  void requestStop();
  void join();
  bool closedCleanly() const { return clean_; }

  // Loop thread.
  uv_loop_t* loop() { return &loop_; }
  // One read buffer per loop: reads are parsed to completion inside the read callback and
  // whatever must outlive it is copied, so idle connections hold no buffer (h2o does the same).
  uv_buf_t readBuffer() { return uv_buf_init(read_buf_.get(), kReadBufferSize); }
  const GenerationConstSharedPtr& generation() const { return generation_; }
  const config::Config& config() const { return generation_->snapshot->config; }
  UpstreamPool& pool() { return pool_; }
  WriteBatch& writeBatch() { return *write_batch_; }
  AccessLog& accessLog() { return access_log_; }
  WorkerMetrics& metrics() { return metrics_; }
  uint32_t index() const { return index_; }
  bool stopping() const { return stopping_; }
  void accept(uv_stream_t* server);
  // Per-worker xorshift64*: random placement and keyless session ids; no shared state.
  uint64_t nextRandom() {
    random_ ^= random_ >> 12;
    random_ ^= random_ << 25;
    random_ ^= random_ >> 27;
    return random_ * 0x2545F4914F6CDD1DULL;
  }
  void onConnectionClosed(DownstreamConnection* conn);

  static constexpr unsigned kReadBufferSize = 64 * 1024;
  static constexpr uint64_t kSweepMs = 5000;

private:
  void run();
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
  std::unique_ptr<char[]> read_buf_;
  GenerationConstSharedPtr generation_;
  std::vector<int> listen_fds_;
  std::vector<Listener*> listeners_;
  std::unordered_set<DownstreamConnection*> connections_;
  UpstreamPool pool_;
  std::optional<WriteBatch> write_batch_;  // built once loop_ is initialised
  AccessLog& access_log_;
  WorkerMetrics& metrics_;
  std::thread thread_;
  bool stopping_ = false;
  bool finished_ = false;
  bool clean_ = true;

  std::mutex mu_;  // guards the two fields below (written by the control thread)
  GenerationConstSharedPtr latest_;
  bool stop_requested_ = false;
};

} // namespace tether::proxy
