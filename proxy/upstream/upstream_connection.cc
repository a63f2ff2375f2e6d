#include "proxy/upstream/upstream_connection.h"

#include "proxy/upstream/upstream_pool.h"

namespace tether::proxy::upstream {

using http::Http1Parser;
using http::ProxyError;

UpstreamConnection::UpstreamConnection(uv_loop_t* loop, UpstreamPool& pool, std::string pool_key)
    : TimedConnection(loop, nullptr), pool_(pool), pool_key_(std::move(pool_key)),
      parser_(Http1Parser::Type::Response, *this, 64 * 1024) {}

void UpstreamConnection::connect(transport::Transport* transport, uint64_t timeout_ms) {
  setTransport(transport);
  if (!transport) {
    // Reported from the loop: the caller is still setting up the exchange.
    clean_ = false;
    startTimer(0);
    return;
  }
  startTimer(timeout_ms);
}

void UpstreamConnection::attach(Handler* handler, bool head_request) {
  handler_ = handler;
  progress_ = Progress{head_request, false, Response::Waiting};
  ++exchanges_;
  parser_.reset();
  if (state_ == State::Idle) {
    state_ = State::Active;
    stopTimer();
  }
}

void UpstreamConnection::send(std::string_view a, std::string_view b, std::string_view c) {
  if (state_ == State::Closed || !transport()) return;
  // Written with every other write of this loop iteration (write_batch.h explains why).
  transport()->writeDeferred(a, b, c);
}

void UpstreamConnection::requestComplete(uint64_t response_timeout_ms) {
  progress_.request_done = true;
  response_timeout_ms_ = response_timeout_ms;
  if (state_ == State::Active && progress_.response != Response::Done) startTimer(response_timeout_ms_);
}

void UpstreamConnection::pauseReading(bool paused) {
  read_paused_ = paused;
  updateReading();
}

void UpstreamConnection::updateReading() {
  if (!transport() || state_ == State::Closed) return;
  if (read_paused_) {
    transport()->stopReading();
  } else {
    transport()->startReading();  // a connecting transport starts once connected
  }
}

bool UpstreamConnection::reusable() const {
  return state_ == State::Active && clean_ && progress_.request_done &&
         progress_.response == Response::Done && parser_.keepAlive() && transport() &&
         transport()->queuedBytes() == 0;
}

void UpstreamConnection::becomeIdle(uint64_t idle_timeout_ms) {
  state_ = State::Idle;
  handler_ = nullptr;
  read_paused_ = false;
  updateReading();  // an idle backend connection that becomes readable was closed or misbehaved
  startTimer(idle_timeout_ms);
}

void UpstreamConnection::close() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  handler_ = nullptr;
  pool_.forget(this);
  closeHandles();
}

void UpstreamConnection::fail(ProxyError error) {
  if (state_ == State::Closed) return;
  clean_ = false;
  Handler* h = handler_;
  const bool started = progress_.response != Response::Waiting;
  close();
  if (h) h->onUpstreamError(error, started);
}

// ---- http::Http1Parser::Handler ----------------------------------------------------------------

Http1Parser::HeadAction UpstreamConnection::onHead(http::HttpHead& head) {
  if (head.status == 101) {
    progress_.response = Response::Started;
    if (handler_) handler_->onUpstreamHead(head);
    return Http1Parser::HeadAction::Upgrade;
  }
  // Interim 1xx responses are dropped: tether answers Expect: 100-continue itself.
  if (head.status >= 100 && head.status < 200) return Http1Parser::HeadAction::NoBody;
  progress_.response = Response::Started;
  if (handler_) handler_->onUpstreamHead(head);
  if (state_ == State::Closed) return Http1Parser::HeadAction::Abort;
  if (progress_.head_request || head.status == 204 || head.status == 304) {
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
  if (progress_.response == Response::Started) progress_.response = Response::Done;
}

// ---- transport::Transport::Handler -------------------------------------------------------------

void UpstreamConnection::onTransportReady() {
  if (state_ != State::Connecting) return;
  if (!handler_) {  // the client left while we were connecting
    close();
    return;
  }
  state_ = State::Active;
  stopTimer();
  updateReading();
  if (progress_.request_done) startTimer(response_timeout_ms_);
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
      if (progress_.request_done) startTimer(response_timeout_ms_);
      return;
    case Http1Parser::Status::Paused:
      data += r.consumed;
      len -= r.consumed;
      if (progress_.response != Response::Done) {  // an interim 1xx ended; the final one follows
        parser_.resume();
        continue;
      }
      if (len > 0) clean_ = false;  // bytes after a complete response: never reuse
      stopTimer();
      if (handler_) handler_->onUpstreamComplete();
      return;
    case Http1Parser::Status::Upgraded:
      state_ = State::Tunnel;
      clean_ = false;
      stopTimer();
      if (len > r.consumed && handler_) handler_->onTunnelData({data + r.consumed, len - r.consumed});
      return;
    default:
      fail(ProxyError::UpstreamBadResponse);
      return;
    }
  }
}

void UpstreamConnection::onTransportEnd(transport::TransportEnd end) {
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
  if (end == transport::TransportEnd::ConnectFailed) {
    fail(ProxyError::UpstreamConnectFailed);
    return;
  }
  clean_ = false;
  // A close-delimited body ends here; anything else is a truncated exchange.
  if (end == transport::TransportEnd::Eof && progress_.response == Response::Started &&
      parser_.bodyNeedsEof() && parser_.finish() == Http1Parser::Status::Ok &&
      progress_.response == Response::Done) {
    stopTimer();
    if (handler_) handler_->onUpstreamComplete();
    return;
  }
  fail(ProxyError::UpstreamReset);
}

void UpstreamConnection::onTransportDrained() {
  if (handler_) handler_->onUpstreamDrained();
}

void UpstreamConnection::onTimeout() {
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

} // namespace tether::proxy::upstream
