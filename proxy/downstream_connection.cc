#include "proxy/downstream_connection.h"

#include "proxy/http/response_plan.h"
#include "proxy/worker.h"

namespace tether::proxy {

using http::BodyFraming;
using http::Http1Parser;
using http::ProxyError;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Attempts on pooled connections that turn out to have been closed by the backend meanwhile.
constexpr uint8_t kMaxStaleRetries = 3;

uint64_t ms(std::chrono::milliseconds d) { return static_cast<uint64_t>(d.count()); }

} // namespace

DownstreamConnection::DownstreamConnection(Worker& worker, transport::Transport* transport)
    : TimedConnection(worker.loop(), transport), worker_(worker),
      parser_(Http1Parser::Type::Request, *this, worker.config().limits.max_header_bytes),
      exchange_(worker) {}

void DownstreamConnection::start() {
  exchange_.markStart();
  armTimer(Timer::Header, config().timeouts.client_header);
  transport()->startReading();
}

void DownstreamConnection::stopGracefully() {
  stop_requested_ = true;
  keep_alive_ = false;
  if (state_ == State::Idle && pending_.empty() && !parser_.inMessage()) close();
}

// The transitions, and what each one implies, in one place.
void DownstreamConnection::enter(State next) {
  const State was = state_;
  state_ = next;
  switch (next) {
  case State::Idle:  // the exchange ended and the connection stays open
    exchange_.reset();
    request_ = {};
    response_framing_ = BodyFraming::None;
    request_done_ = response_started_ = false;
    client_paused_ = upstream_paused_ = false;
    stale_retries_ = 0;
    return;
  case State::Exchange:
  case State::Tunnel:
    disarmTimer();  // a head ended the header timeout; a tunnel has no timeout of its own
    return;
  case State::Closing:
    disarmTimer();
    // A client that never reads what is queued holds the connection for client_idle at most.
    transport()->closeAfterFlush(config().timeouts.client_idle);
    return;
  case State::Closed:
    if (was == State::Closed) return;
    exchange_.releaseLoad();
    if (upstream_) {
      upstream_->detach();
      upstream_->close();  // an unfinished exchange: the backend connection cannot be reused
      upstream_ = nullptr;
    }
    disarmTimer();
    closeHandles();
    return;
  }
}

void DownstreamConnection::close() {
  if (state_ != State::Closed) enter(State::Closed);
}

void DownstreamConnection::onFreed() { worker_.onConnectionClosed(this); }

void DownstreamConnection::clientGone() {
  // The client went away (or reset). An exchange in progress is abandoned; the access log
  // records status 0 when nothing was sent.
  if (state_ == State::Exchange) exchange_.finish(parser_.head(), transport()->peerAddress(), "client_closed");
  close();
}

// ---- reading and parsing ----------------------------------------------------------------------

void DownstreamConnection::onTransportData(const char* data, size_t len) {
  if (state_ == State::Tunnel) {
    if (!upstream_) return;
    upstream_->send({data, len});
    if (upstream_ && upstream_->backlogged()) {
      client_paused_ = true;
      transport()->stopReading();
    }
    return;
  }
  if (state_ != State::Idle && state_ != State::Exchange) return;
  const bool new_request = state_ == State::Idle && timer_kind_ == Timer::Idle;
  if (new_request) {
    exchange_.markStart();
  } else if (state_ == State::Exchange && !request_done_) {
    armTimer(Timer::Body, config().timeouts.client_idle);
  }
  feed(data, len);
  // Only a head still incomplete after this read needs the header timeout; a whole head already
  // stopped the idle timer. (Arming it first would cost a timer-heap insert and removal per
  // keep-alive request.)
  if (new_request && state_ == State::Idle && timer_kind_ == Timer::Idle) {
    armTimer(Timer::Header, config().timeouts.client_header);
  }
}

void DownstreamConnection::feed(const char* data, size_t len) {
  while (len > 0 && (state_ == State::Idle || state_ == State::Exchange)) {
    if (state_ == State::Exchange && request_done_) {
      // The next pipelined request waits until this response is done.
      pending_.append(data, len);
      transport()->stopReading();
      return;
    }
    const auto r = parser_.execute(data, len);
    if (state_ != State::Idle && state_ != State::Exchange) return;
    switch (r.status) {
    case Http1Parser::Status::Ok:
      return;
    case Http1Parser::Status::Paused:
    case Http1Parser::Status::Upgraded:
      data += r.consumed;
      len -= r.consumed;
      if (len > 0) {
        pending_.append(data, len);
        transport()->stopReading();
      }
      return;
    case Http1Parser::Status::HeadTooLarge:
      reject(ProxyError::HeaderTooLarge);
      return;
    case Http1Parser::Status::Rejected:
      return;  // the handler already answered
    case Http1Parser::Status::Error:
      // A framing error inside a body already being streamed (bad chunk size): the backend has
      // seen a truncated request and can never see what follows.
      if (response_started_) {
        close();
      } else {
        reject(ProxyError::BadRequest);
      }
      return;
    }
  }
}

// ---- request side -----------------------------------------------------------------------------

Http1Parser::HeadAction DownstreamConnection::onHead(http::HttpHead& head) {
  exchange_.begin();
  if (!startExchange(head)) return Http1Parser::HeadAction::Abort;
  return Http1Parser::HeadAction::Proceed;
}

bool DownstreamConnection::startExchange(http::HttpHead& head) {
  enter(State::Exchange);
  keep_alive_ = parser_.keepAlive() && !stop_requested_;
  if (auto refused = http::checkRequest(head, parser_.chunked(), parser_.contentLength(),
                                        config().limits.max_body_bytes, request_)) {
    reject(*refused);
    return false;
  }
  if (!routeAndConnect(head)) return false;
  if (request_.expect_continue) transport()->write(kContinue);
  if (request_.framing != BodyFraming::None) armTimer(Timer::Body, config().timeouts.client_idle);
  return state_ == State::Exchange;
}

bool DownstreamConnection::routeAndConnect(const http::HttpHead& head) {
  if (auto error = exchange_.route(head, transport()->peerAddress())) {
    reject(*error);
    return false;
  }
  return connectUpstream();
}

bool DownstreamConnection::connectUpstream() {
  const auto& backend = exchange_.backend();
  auto acquired = worker_.pool().acquire(backend, config());
  upstream_ = acquired.conn;
  upstream_->attach(this, request_.head);
  // Only an HTTP/1.0 request may lack Host; the backend's address stands in for it then.
  std::string authority;
  const auto& head = parser_.head();
  if (!head.get("host")) authority = backend.host + ":" + std::to_string(backend.port);
  const std::string_view peer = transport()->peerAddress();
  http::UpstreamRequestOptions opts;
  opts.framing = request_.framing;
  opts.content_length = request_.content_length;
  opts.upgrade = request_.upgrade;
  opts.forwarded_headers = config().forwarding.x_forwarded_for;
  opts.peer_trusted = routing::anyContains(config().forwarding.trusted_proxies, peer);
  opts.peer_address = peer;
  opts.backend_authority = authority;
  std::string& out = worker_.scratch();  // copied by send(): nothing keeps it past this call
  out.clear();
  http::buildUpstreamRequest(head, opts, out);
  upstream_->send(out);
  return upstream_ != nullptr;  // send() may have failed the exchange synchronously
}

bool DownstreamConnection::onBody(std::string_view data) {
  exchange_.addBytesIn(data.size());
  const uint64_t max_body = config().limits.max_body_bytes;
  if (max_body && exchange_.bytesIn() > max_body) {
    if (!response_started_) {
      reject(ProxyError::BodyTooLarge);
    } else {
      close();
    }
    return false;
  }
  if (!upstream_) return true;  // the exchange already failed; keep parsing to find its end
  if (request_.framing == BodyFraming::Chunked) {
    char buf[24];
    upstream_->send(http::chunkHeader(data.size(), buf), data, "\r\n");
  } else {
    upstream_->send(data);
  }
  if (upstream_ && upstream_->backlogged()) {
    client_paused_ = true;
    transport()->stopReading();
  }
  return state_ != State::Closed;
}

void DownstreamConnection::onMessageComplete() {
  request_done_ = true;
  if (timer_kind_ == Timer::Body) disarmTimer();
  if (!upstream_) return;
  if (request_.framing == BodyFraming::Chunked) upstream_->send("0\r\n\r\n");
  if (upstream_) upstream_->requestComplete(ms(config().timeouts.upstream_response));
}

void DownstreamConnection::reject(ProxyError error) {
  exchange_.setStatus(http::statusFor(error));
  exchange_.finish(parser_.head(), transport()->peerAddress(), http::errorName(error));
  if (upstream_) {
    upstream_->detach();
    upstream_->close();
    upstream_ = nullptr;
  }
  keep_alive_ = false;
  transport()->write(http::responseFor(error));
  enter(State::Closing);
}

// ---- response side ----------------------------------------------------------------------------

void DownstreamConnection::onUpstreamHead(const http::HttpHead& head) {
  if (head.status == 101 && !request_.upgrade) {
    // A protocol switch nobody asked for: the backend is broken, not the client.
    upstream::UpstreamConnection* up = upstream_;
    upstream_ = nullptr;
    if (up) up->close();
    reject(ProxyError::UpstreamBadResponse);
    return;
  }
  response_started_ = true;
  exchange_.setStatus(head.status);
  exchange_.reportHealth(head.status != 502 && head.status != 504);
  auto plan = http::planResponse(head, request_, request_done_, keep_alive_);
  keep_alive_ = plan.options.keep_alive;
  response_framing_ = plan.options.framing;
  exchange_.learnFromResponse(head);
  // tether's own binding cookie goes next to the application's Set-Cookie fields, never
  // replacing them.
  std::string cookie;
  exchange_.appendAffinityCookie(cookie);
  plan.options.extra_fields = cookie;
  std::string& out = worker_.scratch();
  out.clear();
  http::buildClientResponse(head, plan.options, out);
  transport()->writeDeferred(out);
  if (!plan.tunnel) return;
  enter(State::Tunnel);
  // Bytes the client sent after its upgrade request belong to the new protocol.
  if (!pending_.empty() && upstream_) {
    std::string early;
    early.swap(pending_);
    upstream_->send(early);
  }
  transport()->startReading();
}

void DownstreamConnection::onUpstreamBody(std::string_view data) {
  exchange_.addBytesOut(data.size());
  if (response_framing_ == BodyFraming::Chunked) {
    char buf[24];
    transport()->writeDeferred(http::chunkHeader(data.size(), buf), data, "\r\n");
  } else {
    transport()->writeDeferred(data);
  }
  pauseUpstreamIfBacklogged();
}

void DownstreamConnection::pauseUpstreamIfBacklogged() {
  if (state_ == State::Closed || !upstream_ || !transport()->backlogged()) return;
  upstream_paused_ = true;
  upstream_->pauseReading(true);
}

void DownstreamConnection::onTransportDrained() {
  if (!upstream_paused_) return;
  upstream_paused_ = false;
  if (upstream_) upstream_->pauseReading(false);
}

void DownstreamConnection::onUpstreamComplete() {
  if (response_framing_ == BodyFraming::Chunked) transport()->writeDeferred("0\r\n\r\n");
  if (state_ == State::Closed) return;
  upstream::UpstreamConnection* up = upstream_;
  upstream_ = nullptr;
  if (up) {
    up->detach();
    if (request_done_) {
      worker_.pool().release(up, config());
    } else {
      up->close();
    }
  }
  finishExchange();
}

void DownstreamConnection::onUpstreamError(ProxyError error, bool response_started) {
  upstream::UpstreamConnection* failed = upstream_;
  upstream_ = nullptr;
  if (response_started_ || response_started) {
    // Part of the response already went out: all we can do is cut the client off.
    exchange_.finish(parser_.head(), transport()->peerAddress(), http::errorName(error));
    close();
    return;
  }
  // A pooled connection the backend closed meanwhile: resend a bodiless request on another one.
  const bool stale = failed && failed->wasReused() &&
                     (error == ProxyError::UpstreamReset || error == ProxyError::UpstreamBadResponse);
  // An idle connection the backend timed out says nothing about its health; anything else does.
  if (!stale) exchange_.reportHealth(false);
  // Nothing reached the backend: any method may go to the next candidate (re-placed, re-bound),
  // as long as no body byte was consumed (they went to the failed connection). After the request
  // went out, only a bodiless idempotent one, and only when upstream.retry_on_reset says so: the
  // backend may have acted on it.
  const bool connect_failed = error == ProxyError::UpstreamConnectFailed && exchange_.bytesIn() == 0;
  const bool reset_retry = error == ProxyError::UpstreamReset && !stale && request_.bodiless() &&
                           config().upstream.retry_on_reset &&
                           http::idempotent(parser_.head().method());
  bool retried = false;
  if ((connect_failed || reset_retry) && exchange_.mayRetry()) {
    exchange_.releaseLoad();
    retried = routeAndConnect(parser_.head());
    if (!retried) return;  // answered already
  } else if (stale && request_.bodiless() && stale_retries_ < kMaxStaleRetries) {
    ++stale_retries_;
    retried = connectUpstream();
  } else {
    reject(error);
    return;
  }
  if (retried && request_done_ && upstream_) {
    upstream_->requestComplete(ms(config().timeouts.upstream_response));
  }
}

void DownstreamConnection::onUpstreamDrained() {
  if (!client_paused_) return;
  client_paused_ = false;
  transport()->startReading();
}

void DownstreamConnection::onTunnelData(std::string_view data) {
  exchange_.addBytesOut(data.size());
  transport()->writeDeferred(data);
  pauseUpstreamIfBacklogged();
}

void DownstreamConnection::onTunnelEof() {
  upstream_ = nullptr;
  exchange_.finish(parser_.head(), transport()->peerAddress());
  enter(State::Closing);
}

void DownstreamConnection::finishExchange() {
  exchange_.finish(parser_.head(), transport()->peerAddress());
  if (!keep_alive_ || stop_requested_) {
    enter(State::Closing);
    return;
  }
  enter(State::Idle);
  armTimer(Timer::Idle, config().timeouts.client_idle);
  parser_.resume();
  if (!pending_.empty()) {
    std::string next;
    next.swap(pending_);
    exchange_.markStart();
    armTimer(Timer::Header, config().timeouts.client_header);
    feed(next.data(), next.size());
  }
  if ((state_ == State::Idle || (state_ == State::Exchange && !request_done_)) && !client_paused_) {
    transport()->startReading();
  }
}

// ---- timers -----------------------------------------------------------------------------------

void DownstreamConnection::armTimer(Timer kind, std::chrono::milliseconds duration) {
  timer_kind_ = kind;
  startTimer(ms(duration));
}

void DownstreamConnection::disarmTimer() {
  if (timer_kind_ == Timer::None) return;
  stopTimer();
  timer_kind_ = Timer::None;
}

void DownstreamConnection::onTimeout() {
  const Timer kind = timer_kind_;
  timer_kind_ = Timer::None;
  switch (kind) {
  case Timer::Header:
    // Nothing received yet: a silent close. A partial head: tell the client why.
    if (parser_.inMessage()) {
      reject(ProxyError::ClientHeaderTimeout);
    } else {
      close();
    }
    break;
  case Timer::Body:
    if (!response_started_) {
      reject(ProxyError::ClientHeaderTimeout);
    } else {
      close();
    }
    break;
  default:
    close();
    break;
  }
}

} // namespace tether::proxy
