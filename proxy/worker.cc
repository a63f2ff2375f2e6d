#include "proxy/worker.h"

#include <spdlog/spdlog.h>

#include "proxy/downstream_connection.h"
#include "proxy/listener.h"
#include "proxy/transport/tcp_transport.h"

namespace tether::proxy {

Worker::Worker(uint32_t index, GenerationConstSharedPtr generation, std::vector<int> listen_fds,
               AccessLog& access_log, admin::WorkerMetrics& metrics,
               transport::Connector* connector)
    : index_(index), connector_(connector ? connector : &tcp_connector_),
      generation_(std::move(generation)), listen_fds_(std::move(listen_fds)),
      access_log_(access_log), metrics_(metrics) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, onAsync);
  uv_timer_init(&loop_, &stop_timer_);
  uv_timer_init(&loop_, &sweep_timer_);
  io_.emplace(&loop_);
  pool_.emplace(*io_, *connector_,
                upstream::UpstreamPool::Gauges{&metrics_.pool_idle, &metrics_.pool_live});
  async_.data = this;
  stop_timer_.data = this;
  sweep_timer_.data = this;
  random_ = (uv_hrtime() ^ (uint64_t{index} << 48)) | 1;
  for (int fd : listen_fds_) listeners_.push_back(new Listener(*this, fd));
}

Worker::~Worker() { join(); }

void Worker::start() {
  // Listening starts before the thread so the caller can connect as soon as start() returns.
  for (auto* l : listeners_) {
    const int rc = l->start();
    if (rc < 0) spdlog::error("worker {}: listen failed: {}", index_, uv_strerror(rc));
  }
  // Lookups already ignore expired entries; the sweep only returns their memory. One worker
  // is enough for a table shared by all.
  if (index_ == 0) uv_timer_start(&sweep_timer_, onSweepTimer, kSweepMs, kSweepMs);
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::publish(GenerationConstSharedPtr generation) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = std::move(generation);
  }
  uv_async_send(&async_);
}

void Worker::requestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_ = true;
  }
  uv_async_send(&async_);
}

void Worker::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Every owner closed its handles; a non-zero result here means a leaked handle.
  const int rc = uv_loop_close(&loop_);
  if (rc != 0) {
    clean_ = false;
    spdlog::error("worker {}: loop closed with live handles ({})", index_, uv_strerror(rc));
    uv_walk(&loop_, [](uv_handle_t* h, void*) {
      spdlog::error("  leaked handle type {}", uv_handle_type_name(h->type));
    }, nullptr);
  }
}

void Worker::onAsync(uv_async_t* h) { static_cast<Worker*>(h->data)->onAsyncImpl(); }

void Worker::onAsyncImpl() {
  GenerationConstSharedPtr next;
  bool stop = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    next = std::move(latest_);
    stop = stop_requested_;
  }
  if (next) generation_ = std::move(next);  // new requests use it; in-flight ones hold their own
  if (stop && !stopping_) beginStop();
}

void Worker::accept(uv_stream_t* server) {
  if (auto* transport = transport::TcpTransport::accept(*io_, server)) adopt(transport);
}

void Worker::adopt(transport::Transport* transport) {
  if (connections_.size() >= config().limits.max_connections || stopping_) {
    transport->close();  // over the limit: refuse cheaply rather than degrade everyone
    return;
  }
  auto* conn = new DownstreamConnection(*this, transport);
  connections_.insert(conn);
  metrics_.connections.store(static_cast<int64_t>(connections_.size()), std::memory_order_relaxed);
  conn->start();
}

void Worker::onConnectionClosed(DownstreamConnection* conn) {
  if (connections_.erase(conn)) {
    metrics_.connections.store(static_cast<int64_t>(connections_.size()), std::memory_order_relaxed);
  }
  if (stopping_) maybeFinish();
}

void Worker::beginStop() {
  stopping_ = true;
  for (auto* l : listeners_) l->close();
  listeners_.clear();
  // Idle connections close now; busy ones close after their current response.
  std::vector<DownstreamConnection*> conns(connections_.begin(), connections_.end());
  for (auto* c : conns) c->stopGracefully();
  const auto grace = static_cast<uint64_t>(config().timeouts.graceful_shutdown.count());
  uv_timer_start(&stop_timer_, onStopTimer, grace, 0);
  maybeFinish();
}

void Worker::onStopTimer(uv_timer_t* t) { static_cast<Worker*>(t->data)->forceClose(); }

void Worker::onSweepTimer(uv_timer_t* t) {
  auto* self = static_cast<Worker*>(t->data);
  if (auto* store = self->generation_->routing_state) {
    store->table().expire(static_cast<int64_t>(uv_now(&self->loop_)));
  }
}

void Worker::forceClose() {
  std::vector<DownstreamConnection*> conns(connections_.begin(), connections_.end());
  if (!conns.empty()) {
    spdlog::warn("worker {}: graceful_shutdown elapsed, closing {} connections", index_,
                 conns.size());
  }
  for (auto* c : conns) c->close();
  maybeFinish();
}

void Worker::maybeFinish() {
  if (finished_ || !connections_.empty()) return;
  finished_ = true;
  pool_->closeAll();
  io_->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&stop_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweep_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

} // namespace tether::proxy
