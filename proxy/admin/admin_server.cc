#include "proxy/admin/admin_server.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>

#include "proxy/admin/admin_connection.h"
#include "proxy/admin/json_writer.h"
#include "proxy/transport/tcp_transport.h"

namespace tether::proxy::admin {

namespace {

constexpr int kBacklog = 128;

// Runs a completion on the next loop turn without touching the (possibly destroyed) server:
// a handle that is closed right away gets its close callback on the next iteration.
struct DeferredDone {
  uv_idle_t idle;
  std::function<void()> fn;

  static void onClosed(uv_handle_t* h) {
    std::unique_ptr<DeferredDone> d(static_cast<DeferredDone*>(h->data));
    d->fn();
  }
};

} // namespace

AdminResponse adminError(int status, std::string_view message) {
  AdminResponse r;
  r.status = status;
  r.body = jsonError(message);
  return r;
}

bool constantTimeEquals(std::string_view provided, std::string_view expected) {
  // The loop runs over `provided` (the attacker's bytes) and never exits early, so its timing
  // says nothing about `expected` beyond what the length check below already implies.
  if (expected.empty()) return provided.empty();
  unsigned diff = provided.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < provided.size(); ++i) {
    diff |= static_cast<unsigned char>(provided[i]) ^
            static_cast<unsigned char>(expected[i % expected.size()]);
  }
  return diff == 0;
}

// ---- AdminServer ------------------------------------------------------------------------------

AdminServer::AdminServer(transport::IoLoop& io, std::string token, AdminHandler handler)
    : io_(io), token_(std::move(token)), handler_(std::move(handler)) {
  // No socket yet (that happens in listen()), but an initialised handle makes close() uniform.
  uv_tcp_init(io_.loop(), &tcp_);
  tcp_.data = this;
}

AdminServer::~AdminServer() {
  if (!finished_) {
    // Freeing open handles would corrupt the loop; this is a bug in the owner.
    spdlog::critical("AdminServer destroyed before close() completed");
    std::abort();
  }
}

std::optional<std::string> AdminServer::listen(const std::string& host, uint16_t port) {
  const std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                            ":" + std::to_string(port);
  if (listening_ || closing_) return "admin listener " + where + ": already listening or closed";
  sockaddr_storage ss{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss)) != 0 &&
      uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss)) != 0) {
    return "invalid admin listen address " + where;
  }
  int rc = uv_tcp_bind(&tcp_, reinterpret_cast<const sockaddr*>(&ss), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&tcp_), kBacklog, onConnection);
  if (rc != 0) return "cannot listen on " + where + " (admin): " + uv_strerror(rc);
  sockaddr_storage got{};
  int len = sizeof got;
  if (uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&got), &len) == 0) {
    port_ = ntohs(got.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&got)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&got)->sin_port);
  }
  listening_ = true;
  return std::nullopt;
}

void AdminServer::onConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<AdminServer*>(listener->data);
  if (status < 0 || self->closing_) return;
  if (auto* transport = transport::TcpTransport::accept(self->io_, listener)) self->adopt(transport);
}

void AdminServer::adopt(transport::Transport* transport) {
  if (closing_) {
    transport->close();
    return;
  }
  auto* c = new Connection(*this, transport);
  connections_.insert(c);
  if (connections_.size() > kMaxConnections) {
    c->close();
    return;
  }
  c->start();
}

void AdminServer::close(std::function<void()> done) {
  if (finished_) {
    if (!done) return;
    auto* d = new DeferredDone{{}, std::move(done)};
    uv_idle_init(io_.loop(), &d->idle);
    d->idle.data = d;
    uv_close(reinterpret_cast<uv_handle_t*>(&d->idle), DeferredDone::onClosed);
    return;
  }
  if (done) done_.push_back(std::move(done));
  if (closing_) return;
  closing_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onListenerClosed);
  for (Connection* c : connections_) c->close();
}

void AdminServer::onListenerClosed(uv_handle_t* h) {
  auto* self = static_cast<AdminServer*>(h->data);
  self->listener_closed_ = true;
  self->maybeFinishClose();
}

void AdminServer::maybeFinishClose() {
  if (!closing_ || !listener_closed_ || !connections_.empty() || finished_) return;
  finished_ = true;
  // Local copy: a done callback may destroy this server.
  auto done = std::move(done_);
  done_.clear();
  for (auto& fn : done) fn();
}

} // namespace tether::proxy::admin