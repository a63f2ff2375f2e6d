#include "proxy/upstream_connection.h"

#include "proxy/upstream_pool.h"
#include "proxy/uv_write.h"
#include "proxy/worker.h"

namespace tether::proxy {

namespace {
// Request bytes queued towards a backend above which the client stops being read, and below
// which it resumes. 64 KiB keeps a slow backend from making tether buffer a whole upload.
constexpr size_t kHighWater = 64 * 1024;
constexpr size_t kLowWater = 16 * 1024;
} // namespace

UpstreamConnection::UpstreamConnection(Worker& worker, UpstreamPool& pool, std::string pool_key,
                                       int family)
    : worker_(worker), pool_(pool), pool_key_(std::move(pool_key)),
      parser_(Http1Parser::Type::Response, *this, 64 * 1024) {
  uv_tcp_init_ex(worker_.loop(), &tcp_, static_cast<unsigned>(family));
  uv_timer_init(worker_.loop(), &timer_);
  tcp_.data = this;
  timer_.data = this;
  connect_req_.data = this;
}

void UpstreamConnection::connect(const sockaddr_storage& addr, uint64_t timeout_ms,
                                 uint32_t receive_buffer) {
  uv_tcp_nodelay(&tcp_, 1);
  if (receive_buffer > 0) {
    int size = static_cast<int>(receive_buffer);
    uv_recv_buffer_size(reinterpret_cast<uv_handle_t*>(&tcp_), &size);
  }
  const int rc =
      uv_tcp_connect(&connect_req_, &tcp_, reinterpret_cast<const sockaddr*>(&addr), onConnect);
  if (rc < 0) {
    // Report asynchronously: the caller is still setting up the exchange (§4.9 rule 5).
    clean_ = false;
    armTimer(0);
    return;
  }
  armTimer(timeout_ms);
}

void UpstreamConnection::attach(Handler* handler, bool head_request) {
  handler_ = handler;
  head_request_ = head_request;
  request_done_ = response_started_ = response_done_ = false;
  was_backlogged_ = false;
  ++exchanges_;
  parser_.reset();
  if (state_ == State::Idle) {
    state_ = State::Active;
    uv_timer_stop(&timer_);
  }
}

void UpstreamConnection::send(std::string_view a, std::string_view b, std::string_view c) {
  if (state_ == State::Closed) return;
  pending_.append(a).append(b).append(c);
  // Written with every other write of this loop iteration (write_batch.h explains why); a
  // connect in progress writes it on completion.
  if (state_ != State::Connecting) worker_.writeBatch().enqueue(*this);
}

void UpstreamConnection::requestComplete(uint64_t response_timeout_ms) {
  request_done_ = true;
  response_timeout_ms_ = response_timeout_ms;
  if (state_ == State::Active && !response_done_) armTimer(response_timeout_ms_);
}

bool UpstreamConnection::backlogged() const {
  const size_t queued = pending_.size() + queuedBytes(reinterpret_cast<const uv_stream_t*>(&tcp_));
  if (queued > kHighWater) {
    const_cast<UpstreamConnection*>(this)->was_backlogged_ = true;
    return true;
  }
  return false;
}

void UpstreamConnection::pauseReading() {
  read_paused_ = true;
  if (reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
}

void UpstreamConnection::resumeReading() {
  read_paused_ = false;
  if (state_ != State::Connecting && state_ != State::Closed) startReading();
}

void UpstreamConnection::startReading() {
  if (reading_ || read_paused_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), onAlloc, onRead) == 0) reading_ = true;
}

bool UpstreamConnection::reusable() const {
  return state_ == State::Active && clean_ && request_done_ && response_done_ &&
         parser_.keepAlive() && pending_.empty();
}

void UpstreamConnection::becomeIdle(uint64_t idle_timeout_ms) {
  state_ = State::Idle;
  handler_ = nullptr;
  read_paused_ = false;
  startReading();  // an idle backend connection that becomes readable was closed or misbehaved
  armTimer(idle_timeout_ms);
}

void UpstreamConnection::close() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  handler_ = nullptr;
  worker_.writeBatch().cancel(*this);
  pending_.clear();
  pool_.forget(this);
  uv_timer_stop(&timer_);
  pending_closes_ = 2;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onClosed);
}

void UpstreamConnection::fail(ProxyError error) {
  if (state_ == State::Closed) return;
  clean_ = false;
  Handler* h = handler_;
  const bool started = response_started_;
  close();
  if (h) h->onUpstreamError(error, started);
}

void UpstreamConnection::flushPending() {
  worker_.writeBatch().cancel(*this);
  if (pending_.empty() || state_ == State::Closed) return;
  // writeTo copies whatever the socket did not take, so pending_ can be reused at once.
  const int rc = writeTo(reinterpret_cast<uv_stream_t*>(&tcp_), {pending_}, onWrite);
  pending_.clear();
  // A large upload chunk must not stay allocated on a pooled connection.
  if (pending_.capacity() > 16 * 1024) std::string().swap(pending_);
  if (rc < 0) {
    fail(ProxyError::UpstreamReset);
    return;
  }
  // backlogged() counted the gathered bytes; if the socket took them all, no write callback will
  // come to say so, and the client stays paused unless told here.
  if (was_backlogged_ && handler_ &&
      queuedBytes(reinterpret_cast<const uv_stream_t*>(&tcp_)) < kLowWater) {
    was_backlogged_ = false;
    handler_->onUpstreamDrained();
  }
}

void UpstreamConnection::armTimer(uint64_t ms) { uv_timer_start(&timer_, onTimer, ms, 0); }

// Http1Parser::Handler

Http1Parser::HeadAction UpstreamConnection::onHead(HttpHead& head) {
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

// libuv callbacks

void UpstreamConnection::onConnect(uv_connect_t* req, int status) {
  if (status == UV_ECANCELED) return;  // closing; the object stays valid until onClosed
  auto* self = static_cast<UpstreamConnection*>(req->data);
  if (self->state_ == State::Closed) return;
  if (status < 0) {
    self->fail(ProxyError::UpstreamConnectFailed);
    return;
  }
  if (!self->handler_) {  // the client left while we were connecting
    self->close();
    return;
  }
  self->state_ = State::Active;
  uv_timer_stop(&self->timer_);
  self->flushPending();  // also resumes a client paused while the connect was in progress
  if (self->state_ == State::Closed) return;
  self->startReading();
  if (self->request_done_) self->armTimer(self->response_timeout_ms_);
}

void UpstreamConnection::onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  *buf = static_cast<UpstreamConnection*>(h->data)->worker_.readBuffer();
}

void UpstreamConnection::onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<UpstreamConnection*>(s->data);
  // The handler stays allocated for this whole callback even if it closes meanwhile: owners are
  // freed only in close callbacks, which run later in the loop iteration.
  Handler* h = self->handler_;
  if (h) h->onUpstreamReadBegin();
  self->onReadImpl(nread, buf);
  if (h) h->onUpstreamReadEnd();
}

void UpstreamConnection::onReadImpl(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0 || state_ == State::Closed) return;
  if (state_ == State::Idle) {
    close();  // backend closed an idle connection, or sent bytes nobody asked for
    return;
  }
  if (state_ == State::Tunnel) {
    if (nread < 0) {
      Handler* h = handler_;
      close();
      if (h) h->onTunnelEof();
    } else if (handler_) {
      handler_->onTunnelData({buf->base, static_cast<size_t>(nread)});
    }
    return;
  }
  if (nread < 0) {
    clean_ = false;
    // A close-delimited body ends here; anything else is a truncated exchange.
    if (nread == UV_EOF && response_started_ && !response_done_ && parser_.bodyNeedsEof() &&
        parser_.finish() == Http1Parser::Status::Ok && response_done_) {
      uv_timer_stop(&timer_);
      if (handler_) handler_->onUpstreamComplete();
      return;
    }
    fail(ProxyError::UpstreamReset);
    return;
  }
  const char* data = buf->base;
  size_t len = static_cast<size_t>(nread);
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

void UpstreamConnection::onWrite(uv_stream_t* s, int status) {
  auto* self = static_cast<UpstreamConnection*>(s->data);
  if (status == UV_ECANCELED || self->state_ == State::Closed) return;
  if (status < 0) {
    self->fail(ProxyError::UpstreamReset);
    return;
  }
  if (self->was_backlogged_ && queuedBytes(s) < kLowWater) {
    self->was_backlogged_ = false;
    if (self->handler_) self->handler_->onUpstreamDrained();
  }
}

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

void UpstreamConnection::onClosed(uv_handle_t* h) {
  auto* self = static_cast<UpstreamConnection*>(h->data);
  if (--self->pending_closes_ == 0) delete self;
}

} // namespace tether::proxy
