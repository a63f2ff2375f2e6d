#include "proxy/upstream/upstream_connection.h"

#include "proxy/upstream/upstream_pool.h"

namespace tether::proxy::upstream {

using http::Http1Parser;
using http::ProxyError;

UpstreamConnection::UpstreamConnection(uv_loop_t* loop, UpstreamPool& pool, std::string pool_key)
    : pool_(pool), pool_key_(std::move(pool_key)),
      parser_(Http1Parser::Type::Response, *this, 64 * 1024) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
}

void UpstreamConnection::connect(transport::Transport* transport, uint64_t timeout_ms) {
  transport_ = transport;
  if (!transport_) {
    // Reported from the loop: the caller is still setting up the exchange.
    clean_ = false;
    armTimer(0);
    return;
  }
  transport_->setHandler(this);
  armTimer(timeout_ms);
}

void UpstreamConnection::attach(Handler* handler, bool head_request) {
  handler_ = handler;
  head_request_ = head_request;
  request_done_ = response_started_ = response_done_ = false;
  ++exchanges_;
  parser_.reset();
  if (state_ == State::Idle) {
    state_ = State::Active;
    uv_timer_stop(&timer_);
  }
}

void UpstreamConnection::send(std::string_view a, std::string_view b, std::string_view c) {
  if (state_ == State::Closed || !transport_) return;
  // Written with every other write of this loop iteration (write_batch.h explains why).
  transport_->writeDeferred(a, b, c);
}

void UpstreamConnection::requestComplete(uint64_t response_timeout_ms) {
  request_done_ = true;
  response_timeout_ms_ = response_timeout_ms;
  if (state_ == State::Active && !response_done_) armTimer(response_timeout_ms_);
}

void UpstreamConnection::pauseReading() {
  read_paused_ = true;
  updateReading();
}

void UpstreamConnection::resumeReading() {
  read_paused_ = false;
  updateReading();
}

void UpstreamConnection::updateReading() {
  if (!transport_ || state_ == State::Closed) return;
  if (read_paused_) {
    transport_->stopReading();
  } else {
    transport_->startReading();  // a connecting transport starts once connected
  }
}

bool UpstreamConnection::reusable() const {
  return state_ == State::Active && clean_ && request_done_ && response_done_ &&
         parser_.keepAlive() && transport_ && transport_->queuedBytes() == 0;
}

void UpstreamConnection::becomeIdle(uint64_t idle_timeout_ms) {
  state_ = State::Idle;
  handler_ = nullptr;
  read_paused_ = false;
  updateReading();  // an idle backend connection that becomes readable was closed or misbehaved
  armTimer(idle_timeout_ms);
}

void UpstreamConnection::close() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  handler_ = nullptr;
  pool_.forget(this);
  uv_timer_stop(&timer_);
  pending_closes_ = transport_ ? 2 : 1;
  if (transport_) transport_->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onTimerClosed);
}

void UpstreamConnection::fail(ProxyError error) {
  if (state_ == State::Closed) return;
  clean_ = false;
  Handler* h = handler_;
  const bool started = response_started_;
  close();
  if (h) h->onUpstreamError(error, started);
}

void UpstreamConnection::armTimer(uint64_t ms) { uv_timer_start(&timer_, onTimer, ms, 0); }

// ---- http::Http1Parser::Handler ----------------------------------------------------------------

Http1Parser::HeadAction UpstreamConnection::onHead(http::HttpHead& head) {
  if (head.status == 101) {
    response_started_ = true;
    if (handler_) handler_->onUpstreamHead(head);
    return Http1Parser::HeadAction::Upgrade;
  }
  // Interim 1xx responses are dropped: tether answers Expect: 100-continue itself.
  if (head.status >= 100 && head.status < 200) return Http1Parser::HeadAction::NoBody;
  response_started_ = true;
  if (handler_) handler_->onUpstreamHead(head);
  if (state_ == State::Closed) return Http1Parser::HeadAction::Abort;
  if (head_request_ || head.status == 204 || head.status == 304) {
    return Http1Parser::HeadAction::NoBody;
  }
  return Http1Parser::HeadAction::Proceed;
}

bool UpstreamConnection::onBody(std::string_view data) {
  if (handler_) handler_->onUpstreamBody(data);
  return state_ != State::Closed;
}

void UpstreamConnection::onMessageComplete() {
  // Completion is delivered after execute() returns, once stray bytes have been checked.
  if (response_started_) response_done_ = true;
}

// ---- transport::Transport::Handler -------------------------------------------------------------

void UpstreamConnection::onTransportReady() {
  if (state_ != State::Connecting) return;
  if (!handler_) {  // the client left while we were connecting
    close();
    return;
  }
  state_ = State::Active;
  uv_timer_stop(&timer_);
  updateReading();
  if (request_done_) armTimer(response_timeout_ms_);
}

void UpstreamConnection::onTransportData(const char* data, size_t len) {
  if (state_ == State::Closed) return;
  if (state_ == State::Idle) {
    close();  // bytes nobody asked for
    return;
  }
  if (state_ == State::Tunnel) {
    if (handler_) handler_->onTunnelData({data, len});
    return;
  }
  while (len > 0) {
    const auto r = parser_.execute(data, len);
    if (state_ == State::Closed) return;
    switch (r.status) {
    case Http1Parser::Status::Ok:
      // More of the response is due: the response timeout counts from this read. (Not re-armed
      // on the read that completes a response: that would be a timer-heap insert and removal per
      // request for nothing.)
      if (request_done_) armTimer(response_timeout_ms_);
      return;
    case Http1Parser::Status::Paused:
      data += r.consumed;
      len -= r.consumed;
      if (!response_done_) {  // an interim 1xx ended; the final response follows
        parser_.resume();
        continue;
      }
      if (len > 0) clean_ = false;  // bytes after a complete response: never reuse
      uv_timer_stop(&timer_);
      if (handler_) handler_->onUpstreamComplete();
      return;
    case Http1Parser::Status::Upgraded:
      state_ = State::Tunnel;
      clean_ = false;
      uv_timer_stop(&timer_);
      if (len > r.consumed && handler_) handler_->onTunnelData({data + r.consumed, len - r.consumed});
      return;
    default:
      fail(ProxyError::UpstreamBadResponse);
      return;
    }
  }
}

void UpstreamConnection::onTransportEof() {
  if (state_ == State::Closed) return;
  if (state_ == State::Idle) {
    close();  // the backend closed an idle connection
    return;
  }
  if (state_ == State::Tunnel) {
    Handler* h = handler_;
    close();
    if (h) h->onTunnelEof();
    return;
  }
  clean_ = false;
  // A close-delimited body ends here; anything else is a truncated exchange.
  if (response_started_ && !response_done_ && parser_.bodyNeedsEof() &&
      parser_.finish() == Http1Parser::Status::Ok && response_done_) {
    uv_timer_stop(&timer_);
    if (handler_) handler_->onUpstreamComplete();
    return;
  }
  fail(ProxyError::UpstreamReset);
}

void UpstreamConnection::onTransportError(transport::TransportError error) {
  if (state_ == State::Idle) {
    close();
    return;
  }
  if (state_ == State::Tunnel) {
    onTransportEof();
    return;
  }
  fail(error == transport::TransportError::ConnectFailed ? ProxyError::UpstreamConnectFailed
                                                          : ProxyError::UpstreamReset);
}

void UpstreamConnection::onTransportDrained() {
  if (handler_) handler_->onUpstreamDrained();
}

void UpstreamConnection::onTransportClosed() {
  transport_ = nullptr;
  if (state_ != State::Closed) {
    // Closed under us (an error we did not answer by closing): close the rest; only the timer
    // is left to wait for.
    close();
    return;
  }
  handleClosed();
}

// ---- timer and closing -------------------------------------------------------------------------

void UpstreamConnection::onTimer(uv_timer_t* t) {
  static_cast<UpstreamConnection*>(t->data)->onTimerImpl();
}

void UpstreamConnection::onTimerImpl() {
  switch (state_) {
  case State::Connecting:
    fail(ProxyError::UpstreamConnectFailed);
    break;
  case State::Active:
    fail(ProxyError::UpstreamTimeout);
    break;
  case State::Idle:
    close();
    break;
  default:
    break;
  }
}

void UpstreamConnection::onTimerClosed(uv_handle_t* h) {
  static_cast<UpstreamConnection*>(h->data)->handleClosed();
}

void UpstreamConnection::handleClosed() {
  if (--pending_closes_ == 0) delete this;
}

} // namespace tether::proxy::upstream
