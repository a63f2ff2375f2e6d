// DownstreamConnection, first half: lifecycle, reading and parsing, and the request side
// (checks, routing, connecting upstream, streaming the body). The response side, writing and
// closing are in downstream_response.cc; the class contract is in the .h.
#include "proxy/downstream_connection.h"

#include <ctime>

#include "proxy/peer_address.h"
#include "proxy/worker.h"

namespace tether::proxy {

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// routing::RequestView over the parsed head; lives for one route() call.
class HeadView : public routing::RequestView {
public:
  HeadView(const HttpHead& head, std::string_view peer) : head_(head), peer_(peer) {}
  std::string_view method() const override { return head_.method(); }
  std::string_view target() const override { return head_.target(); }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    return head_.getAt(name, index);
  }
  std::string_view peerAddress() const override { return peer_; }

private:
  const HttpHead& head_;
  std::string_view peer_;
};

// The health filter minus the backends this request already failed to connect to.
class ExcludingFilter : public routing::BackendFilter {
public:
  ExcludingFilter(const routing::BackendFilter& inner, const routing::BackendId* tried, size_t n)
      : inner_(inner), tried_(tried), n_(n) {}
  bool usable(routing::BackendId id) const override { return !tried(id) && inner_.usable(id); }
  // A backend this request could not reach counts as down; otherwise the health filter knows why.
  routing::RebindCause unbindableCause(routing::BackendId id) const override {
    return tried(id) ? routing::RebindCause::BackendDown : inner_.unbindableCause(id);
  }

private:
  bool tried(routing::BackendId id) const {
    for (size_t i = 0; i < n_; ++i) {
      if (tried_[i] == id) return true;
    }
    return false;
  }

  const routing::BackendFilter& inner_;
  const routing::BackendId* tried_;
  size_t n_;
};

// Only "chunked" is implemented; any other coding (gzip, a list, repeats) gets 501.
bool onlyChunked(const HttpHead& head) {
  size_t seen = 0;
  for (size_t i = 0; i < head.fieldCount(); ++i) {
    if (!equalsIgnoreCase(head.name(i), "transfer-encoding")) continue;
    if (++seen > 1 || !equalsIgnoreCase(head.value(i), "chunked")) return false;
  }
  return true;
}

} // namespace

DownstreamConnection::DownstreamConnection(Worker& worker)
    : worker_(worker), generation_(worker.generation()),
      parser_(Http1Parser::Type::Request, *this, worker.config().limits.max_header_bytes) {
  uv_tcp_init(worker_.loop(), &tcp_);
  uv_timer_init(worker_.loop(), &timer_);
  tcp_.data = this;
  timer_.data = this;
  shutdown_req_.data = this;
}

void DownstreamConnection::start() {
  uv_tcp_nodelay(&tcp_, 1);
  peer_ = peerAddress(&tcp_);
  started_ = std::chrono::steady_clock::now();
  armTimer(Timer::Header, config().timeouts.client_header);
  startReading();
}

void DownstreamConnection::stopGracefully() {
  stop_requested_ = true;
  keep_alive_ = false;
  if (!in_exchange_ && pending_.empty() && !parser_.inMessage()) close();
}

void DownstreamConnection::close() {
  if (closed_) return;
  closed_ = true;
  worker_.writeBatch().cancel(*this);
  releaseLoad();
  if (upstream_) {
    upstream_->detach();
    upstream_->close();  // an unfinished exchange: the backend connection cannot be reused
    upstream_ = nullptr;
  }
  uv_timer_stop(&timer_);
  pending_closes_ = 2;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onClosed);
}

void DownstreamConnection::onClosed(uv_handle_t* h) {
  auto* self = static_cast<DownstreamConnection*>(h->data);
  if (--self->pending_closes_ > 0) return;
  self->worker_.onConnectionClosed(self);
  delete self;
}

// ---- reading and parsing ----------------------------------------------------------------------

void DownstreamConnection::startReading() {
  if (reading_ || closed_) return;
  if (uv_read_start(stream(), onAlloc, onRead) == 0) reading_ = true;
}

void DownstreamConnection::stopReading() {
  if (!reading_) return;
  uv_read_stop(stream());
  reading_ = false;
}

void DownstreamConnection::onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  *buf = static_cast<DownstreamConnection*>(h->data)->worker_.readBuffer();
}

void DownstreamConnection::onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  static_cast<DownstreamConnection*>(s->data)->onReadImpl(nread, buf);
}

void DownstreamConnection::onReadImpl(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0 || closed_) return;
  if (lingering_) {
    if (nread < 0) close();  // discard everything until the client closes or the timer fires
    return;
  }
  if (nread < 0) {
    // The client went away (or reset). An exchange in progress is abandoned; the access log
    // records status 0 when nothing was sent.
    if (in_exchange_ && !tunnel_) logExchange("client_closed");
    close();
    return;
  }
  if (tunnel_) {
    if (upstream_) {
      upstream_->send({buf->base, static_cast<size_t>(nread)});
      if (upstream_ && upstream_->backlogged()) {
        body_paused_ = true;
        stopReading();
      }
    }
    return;
  }
  const bool new_request = !in_exchange_ && timer_kind_ == Timer::Idle;
  if (new_request) {
    started_ = std::chrono::steady_clock::now();  // a new request begins
  } else if (in_exchange_ && !request_done_) {
    armTimer(Timer::Body, config().timeouts.client_idle);
  }
  feed(buf->base, static_cast<size_t>(nread));
  // Only a head still incomplete after this read needs the header timeout; a whole head already
  // stopped the idle timer in startExchange(). (Arming it first would cost a timer-heap insert and
  // removal per keep-alive request.)
  if (new_request && !closed_ && timer_kind_ == Timer::Idle) {
    armTimer(Timer::Header, config().timeouts.client_header);
  }
}

void DownstreamConnection::feed(const char* data, size_t len) {
  while (len > 0 && !closed_) {
    if (in_exchange_ && request_done_) {
      // The next pipelined request waits until this response is done.
      pending_.append(data, len);
      stopReading();
      return;
    }
    const auto r = parser_.execute(data, len);
    if (closed_ || lingering_ || closing_after_write_) return;
    switch (r.status) {
    case Http1Parser::Status::Ok:
      return;
    case Http1Parser::Status::Paused:
    case Http1Parser::Status::Upgraded:
      data += r.consumed;
      len -= r.consumed;
      if (len > 0) {
        pending_.append(data, len);
        stopReading();
      }
      return;
    case Http1Parser::Status::HeadTooLarge:
      reject(ProxyError::HeaderTooLarge);
      return;
    case Http1Parser::Status::Rejected:
      return;  // the handler already answered
    case Http1Parser::Status::Error:
      if (in_exchange_) {
        // A framing error inside a body already being streamed (bad chunk size): the backend has
        // seen a truncated request and can never see what follows.
        if (!response_started_) {
          reject(ProxyError::BadRequest);
        } else {
          close();
        }
        return;
      }
      reject(ProxyError::BadRequest);
      return;
    }
  }
}

// ---- request side -----------------------------------------------------------------------------

Http1Parser::HeadAction DownstreamConnection::onHead(HttpHead& head) {
  generation_ = worker_.generation();
  if (!startExchange(head)) return Http1Parser::HeadAction::Abort;
  return Http1Parser::HeadAction::Proceed;
}

bool DownstreamConnection::startExchange(HttpHead& head) {
  in_exchange_ = true;
  client_http10_ = head.http_major == 1 && head.http_minor == 0;
  head_request_ = head.method() == "HEAD";
  keep_alive_ = parser_.keepAlive() && !stop_requested_;
  uv_timer_stop(&timer_);
  timer_kind_ = Timer::None;

  if (head.method() == "CONNECT" || !onlyChunked(head)) {
    reject(ProxyError::NotImplemented);
    return false;
  }
  // RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host.
  const size_t hosts = head.count("host");
  if (hosts > 1 || (hosts == 0 && !client_http10_)) {
    reject(ProxyError::BadRequest);
    return false;
  }
  const uint64_t max_body = config().limits.max_body_bytes;
  if (parser_.chunked()) {
    request_framing_ = BodyFraming::Chunked;
  } else if (auto cl = parser_.contentLength()) {
    // Kept even when 0: some applications answer a POST without Content-Length with 411.
    request_framing_ = BodyFraming::Length;
    request_length_ = *cl;
    if (max_body && *cl > max_body) {
      reject(ProxyError::BodyTooLarge);
      return false;
    }
  } else {
    request_framing_ = BodyFraming::None;
  }
  upgrade_requested_ = head.get("upgrade").has_value() && [&] {
    for (size_t i = 0; i < head.fieldCount(); ++i) {
      if (equalsIgnoreCase(head.name(i), "connection") && listContainsToken(head.value(i), "upgrade")) {
        return true;
      }
    }
    return false;
  }();

  if (!routeAndConnect(head)) return false;

  if (request_framing_ != BodyFraming::None && !client_http10_) {
    if (auto expect = head.get("expect"); expect && equalsIgnoreCase(*expect, "100-continue")) {
      write(kContinue);
    }
  }
  if (request_framing_ != BodyFraming::None) armTimer(Timer::Body, config().timeouts.client_idle);
  return !closed_;
}

bool DownstreamConnection::routeAndConnect(const HttpHead& head) {
  const HeadView view(head, peer_);
  const ExcludingFilter usable(*generation_->backends, tried_, tried_count_);
  const ExcludingFilter bindable(generation_->backends->bindable(), tried_, tried_count_);
  routing::RouteContext ctx;
  ctx.usable = &usable;
  ctx.bindable = &bindable;
  ctx.state = generation_->routing_state;
  ctx.ramp = generation_->backends.get();
  ctx.now_ms = static_cast<int64_t>(uv_now(worker_.loop()));
  ctx.now_unix_s = static_cast<int64_t>(std::time(nullptr));
  ctx.random = worker_.nextRandom();
  route_ = router().route(view, ctx);
  if (route_.reject) {
    reject(ProxyError::MissingSessionKey);
    return false;
  }
  reason_ = routing::reasonName(route_.decision.reason);
  if (!route_.decision.found()) {
    // After failed attempts, the last failure says more than "nothing usable".
    reject(tried_count_ ? ProxyError::UpstreamConnectFailed : ProxyError::NoBackend);
    return false;
  }
  backend_ = route_.decision.backend;
  if (tried_count_ < kMaxTried) tried_[tried_count_++] = backend_;
  if (route_.rebind != routing::RebindCause::None) {
    worker_.metrics().rebinds[static_cast<size_t>(route_.rebind)].fetch_add(1, std::memory_order_relaxed);
  }
  if (generation_->routing_state && router().options().load_metric == routing::LoadMetric::Requests) {
    inflight_id_ = router().stableId(backend_);
    generation_->routing_state->inflight().add(inflight_id_, 1);
  }
  traffic().in_flight.fetch_add(1, std::memory_order_relaxed);
  inflight_counted_ = true;

  // Only an HTTP/1.0 request may lack Host; the backend's address stands in for it then.
  std::string authority;
  if (!head.get("host")) {
    const auto& backend = router().backends()[backend_];
    authority = backend.host + ":" + std::to_string(backend.port);
  }
  UpstreamRequestOptions opts;
  opts.framing = request_framing_;
  opts.content_length = request_length_;
  opts.upgrade = upgrade_requested_;
  opts.forwarded_headers = config().forwarding.x_forwarded_for;
  opts.peer_trusted = routing::anyContains(config().forwarding.trusted_proxies, peer_);
  opts.peer_address = peer_;
  opts.backend_authority = authority;
  scratch_.clear();
  buildUpstreamRequest(head, opts, scratch_);
  return connectUpstream();
}

bool DownstreamConnection::connectUpstream() {
  const auto& backend = router().backends()[backend_];
  auto acquired = worker_.pool().acquire(backend, config());
  if (!acquired.conn) {
    reject(ProxyError::UpstreamConnectFailed);
    return false;
  }
  upstream_ = acquired.conn;
  upstream_->attach(this, head_request_);
  upstream_->send(scratch_);
  return upstream_ != nullptr;  // send() may have failed the exchange synchronously
}

bool DownstreamConnection::onBody(std::string_view data) {
  bytes_in_ += data.size();
  const uint64_t max_body = config().limits.max_body_bytes;
  if (max_body && bytes_in_ > max_body) {
    if (!response_started_) {
      reject(ProxyError::BodyTooLarge);
    } else {
      close();
    }
    return false;
  }
  if (!upstream_) return true;  // the exchange already failed; keep parsing to find its end
  if (request_framing_ == BodyFraming::Chunked) {
    char buf[24];
    upstream_->send(chunkHeader(data.size(), buf), data, "\r\n");
  } else {
    upstream_->send(data);
  }
  if (upstream_ && upstream_->backlogged()) {
    body_paused_ = true;
    stopReading();
  }
  return !closed_;
}

void DownstreamConnection::onMessageComplete() {
  request_done_ = true;
  if (timer_kind_ == Timer::Body) {
    uv_timer_stop(&timer_);
    timer_kind_ = Timer::None;
  }
  if (!upstream_) return;
  if (request_framing_ == BodyFraming::Chunked) upstream_->send("0\r\n\r\n");
  if (upstream_) {
    upstream_->requestComplete(static_cast<uint64_t>(config().timeouts.upstream_response.count()));
  }
}

void DownstreamConnection::reject(ProxyError error) {
  status_ = statusFor(error);
  logExchange(errorName(error));
  if (upstream_) {
    upstream_->detach();
    upstream_->close();
    upstream_ = nullptr;
  }
  keep_alive_ = false;
  write(responseFor(error));
  startLinger();
}

} // namespace tether::proxy
