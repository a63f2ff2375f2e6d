#include "health/probe.h"

#include <cassert>
#include <cstring>
#include <utility>

namespace tether::health {

Probe::Probe(uv_loop_t* loop) : loop_(loop) {}

void Probe::start(const sockaddr* addr, std::chrono::milliseconds timeout, OnResult on_result,
                  OnClosed on_closed) {
  assert(!started_);
  started_ = true;
  on_result_ = std::move(on_result);
  on_closed_ = std::move(on_closed);
  timeout_ = timeout;

  // uv_tcp_init is uv_tcp_init_ex(AF_UNSPEC): no socket is created yet, so it cannot fail; the
  // socket (and EMFILE and friends) comes with uv_tcp_connect below. uv_timer_init cannot fail.
  int rc = uv_timer_init(loop_, &timer_);
  assert(rc == 0);
  rc = uv_tcp_init(loop_, &tcp_);
  assert(rc == 0);
  (void)rc;
  timer_.data = this;
  tcp_.data = this;
  connect_req_.data = this;

  rc = uv_tcp_connect(&connect_req_, &tcp_, addr, onConnect);
  if (rc < 0) {
    // The connect callback will not run. Deliver on the next loop turn, not from inside start().
    deferred_ = ProbeResult{ProbeResult::Code::ConnectFailed,
                            std::string("connect: ") + uv_strerror(rc)};
    uv_timer_start(&timer_, onTimeout, 0, 0);
    return;
  }
  uv_timer_start(&timer_, onTimeout, static_cast<uint64_t>(timeout.count()), 0);
}

void Probe::close() {
  assert(started_);
  on_result_ = nullptr;
  finished_ = true;
  closeHandles();
}

void Probe::finish(ProbeResult::Code code, std::string detail) {
  if (finished_) return;
  finished_ = true;
  // Close first and call last: the owner may close() or drop its pointer from inside the
  // callback. The object stays alive until the close callbacks, which run on a later loop phase.
  closeHandles();
  auto cb = std::move(on_result_);
  on_result_ = nullptr;
  if (cb) cb(ProbeResult{code, std::move(detail)});
}

void Probe::closeHandles() {
  if (closing_) return;
  closing_ = true;
  pending_closes_ = 2;
  // uv_close cancels the pending connect (and any write) with UV_ECANCELED before onClosed.
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onClosed);
}

void Probe::onConnect(uv_connect_t* req, int status) noexcept {
  auto* self = static_cast<Probe*>(req->data);
  if (status == UV_ECANCELED || self->finished_) return;  // closed under us (h2o on_connect)
  if (status < 0) {
    self->finish(ProbeResult::Code::ConnectFailed, std::string("connect: ") + uv_strerror(status));
    return;
  }
  self->connected_ = true;
  self->onConnected();
}

void Probe::onTimeout(uv_timer_t* timer) noexcept {
  auto* self = static_cast<Probe*>(timer->data);
  if (self->deferred_) {
    ProbeResult r = std::move(*self->deferred_);
    self->deferred_.reset();
    self->finish(r.code, std::move(r.detail));
    return;
  }
  std::string detail = "timeout after " + std::to_string(self->timeout_.count()) + "ms (" +
                       (self->connected_ ? self->awaitingWhat() : "connecting") + ")";
  self->finish(ProbeResult::Code::Timeout, std::move(detail));
}

void Probe::onClosed(uv_handle_t* handle) noexcept {
  auto* self = static_cast<Probe*>(handle->data);
  if (--self->pending_closes_ > 0) return;
  auto hook = std::move(self->on_closed_);
  delete self;
  if (hook) hook();  // may free the owner; nothing of ours is touched after this
}

} // namespace tether::health
