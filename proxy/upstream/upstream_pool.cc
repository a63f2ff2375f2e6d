#include "proxy/upstream/upstream_pool.h"

#include <algorithm>

#include "proxy/upstream/upstream_connection.h"

namespace tether::proxy::upstream {

namespace {

std::string poolKey(const routing::Backend& b) {
  std::string key;
  key.reserve(b.host.size() + 7);
  key.append(b.host).push_back(':');
  key.append(std::to_string(b.port));
  return key;
}

} // namespace

UpstreamPool::Acquired UpstreamPool::acquire(const routing::Backend& backend,
                                             const config::Config& config) {
  std::string key = poolKey(backend);
  auto it = idle_.find(key);
  if (it != idle_.end() && !it->second.empty()) {
    UpstreamConnection* conn = it->second.back();
    it->second.pop_back();
    --idle_count_;
    publishGauges();
    return {conn, true};
  }
  auto* conn = new UpstreamConnection(io_.loop(), *this, std::move(key));
  live_.insert(conn);
  publishGauges();
  conn->connect(connector_.connect(io_, backend.host, backend.port, config.upstream.receive_buffer),
                static_cast<uint64_t>(config.timeouts.connect.count()));
  return {conn, false};
}

void UpstreamPool::release(UpstreamConnection* conn, const config::Config& config) {
  if (!conn->reusable()) {
    conn->close();
    return;
  }
  auto& list = idle_[conn->poolKey()];
  if (list.size() >= config.upstream.max_idle_per_backend) {
    conn->close();
    return;
  }
  conn->becomeIdle(static_cast<uint64_t>(config.upstream.idle_timeout.count()));
  list.push_back(conn);
  ++idle_count_;
  publishGauges();
}

void UpstreamPool::forget(UpstreamConnection* conn) {
  live_.erase(conn);
  auto it = idle_.find(conn->poolKey());
  if (it != idle_.end()) {
    auto& list = it->second;
    const size_t before = list.size();
    list.erase(std::remove(list.begin(), list.end(), conn), list.end());
    idle_count_ -= before - list.size();
  }
  publishGauges();
}

void UpstreamPool::publishGauges() {
  if (gauges_.idle) gauges_.idle->store(static_cast<int64_t>(idle_count_), std::memory_order_relaxed);
  if (gauges_.open) gauges_.open->store(static_cast<int64_t>(live_.size()), std::memory_order_relaxed);
}

void UpstreamPool::closeAll() {
  // close() calls forget(), which edits live_: iterate over a copy.
  std::vector<UpstreamConnection*> all(live_.begin(), live_.end());
  for (auto* c : all) c->close();
  idle_.clear();
  idle_count_ = 0;
  publishGauges();
}

} // namespace tether::proxy::upstream
