// DownstreamConnection, second half: the response side (upstream events, re-framing for the
// client, the end of an exchange) and writing, timers and closing. The request side (reading,
// parsing, routing, connecting) is in downstream_connection.cc; the class contract is in the .h.
#include <charconv>
#include <ctime>

#include "health/clock.h"
#include "proxy/access_log.h"
#include "proxy/downstream_connection.h"
#include "proxy/uv_write.h"
#include "proxy/worker.h"
#include "proxy/worker_metrics.h"
#include "routing/set_cookie.h"

namespace tether::proxy {

namespace {

// Response bytes queued towards a client above which the upstream is not read, and below which
// reading resumes. Same figures as the upstream direction.
constexpr size_t kHighWater = 64 * 1024;
constexpr size_t kLowWater = 16 * 1024;
// How long a connection we are closing keeps draining what the client still sends, so the kernel
// does not answer it with a RST that would destroy our error response in flight (lingering close).
constexpr std::chrono::milliseconds kLinger{2000};
// Attempts on pooled connections that turn out to have been closed by the backend meanwhile.
constexpr uint8_t kMaxStaleRetries = 3;

// RFC 9110 §9.2.2. POST and PATCH are not; CONNECT is refused before routing.
bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

} // namespace

// ---- response side ----------------------------------------------------------------------------

void DownstreamConnection::onUpstreamHead(const HttpHead& head) {
  if (head.status == 101 && !upgrade_requested_) {
    // A protocol switch nobody asked for: the backend is broken, not the client.
    UpstreamConnection* up = upstream_;
    upstream_ = nullptr;
    if (up) up->close();
    reject(ProxyError::UpstreamBadResponse);
    return;
  }
  response_started_ = true;
  status_ = head.status;
  reportBackendHealth(head.status != 502 && head.status != 504);
  ClientResponseOptions opts;
  if (head.status == 101 && upgrade_requested_) {
    opts.upgrade = true;
    tunnel_ = true;
    response_framing_ = BodyFraming::None;
  } else if (head_request_ || head.status == 204 || head.status == 304) {
    response_framing_ = BodyFraming::None;
    opts.keep_content_length = head.status != 204;
  } else if (auto cl = head.get("content-length"); cl && !head.get("transfer-encoding")) {
    // llhttp already rejected malformed or conflicting lengths, so this parse cannot fail.
    uint64_t n = 0;
    std::from_chars(cl->data(), cl->data() + cl->size(), n);
    response_framing_ = BodyFraming::Length;
    opts.content_length = n;
  } else if (!client_http10_) {
    response_framing_ = BodyFraming::Chunked;  // chunked or close-delimited upstream: re-chunk
  } else {
    response_framing_ = BodyFraming::UntilClose;  // HTTP/1.0 has no chunking: end by closing
    keep_alive_ = false;
  }
  // A refused upgrade leaves the client expecting another protocol on this connection.
  if (upgrade_requested_ && !tunnel_) keep_alive_ = false;
  // A response that starts before the request body ended leaves the client stream mid-message.
  if (!request_done_) keep_alive_ = false;
  opts.framing = response_framing_;
  opts.keep_alive = keep_alive_;
  opts.client_http10 = client_http10_;
  learnFromResponse(head);
  // tether's own binding cookie goes next to the application's Set-Cookie fields, never
  // replacing them.
  std::string cookie;
  if (!route_.cookie.empty()) {
    cookie.append("Set-Cookie: ")
        .append(router().setCookie(route_.cookie, static_cast<int64_t>(std::time(nullptr))))
        .append("\r\n");
    opts.extra_fields = cookie;
  }
  scratch_.clear();
  buildClientResponse(head, opts, scratch_);
  write(scratch_);
  if (tunnel_) {
    uv_timer_stop(&timer_);
    timer_kind_ = Timer::None;
    // Bytes the client sent after its upgrade request belong to the new protocol.
    if (!pending_.empty() && upstream_) {
      std::string early;
      early.swap(pending_);
      upstream_->send(early);
    }
    startReading();
  }
}

void DownstreamConnection::onUpstreamBody(std::string_view data) {
  bytes_out_ += data.size();
  if (response_framing_ == BodyFraming::Chunked) {
    char buf[24];
    write(chunkHeader(data.size(), buf), data, "\r\n");
  } else {
    write(data);
  }
  if (!closed_ && upstream_ && outstanding() > kHighWater) {
    upstream_paused_ = true;
    upstream_->pauseReading();
  }
}

void DownstreamConnection::onUpstreamComplete() {
  if (response_framing_ == BodyFraming::Chunked) write("0\r\n\r\n");
  if (closed_) return;
  UpstreamConnection* up = upstream_;
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
  UpstreamConnection* failed = upstream_;
  upstream_ = nullptr;
  if (response_started_ || response_started) {
    // Part of the response already went out: all we can do is cut the client off.
    logExchange(errorName(error));
    close();
    return;
  }
  // A pooled connection the backend closed meanwhile: resend a bodiless request on another one.
  const bool stale = failed && failed->wasReused() &&
                     (error == ProxyError::UpstreamReset || error == ProxyError::UpstreamBadResponse);
  const bool bodiless = request_framing_ == BodyFraming::None ||
                        (request_framing_ == BodyFraming::Length && request_length_ == 0);
  // An idle connection the backend timed out says nothing about its health; anything else does.
  if (!stale) reportBackendHealth(false);
  const bool may_retry = tried_count_ <= config().upstream.retries && tried_count_ < kMaxTried;
  // Nothing reached the backend: any method may go to the next candidate (re-placed, re-bound),
  // as long as no body byte was consumed (they went to the failed connection). After the request
  // went out, only a bodiless idempotent one, and only when upstream.retry_on_reset says so: the
  // backend may have acted on it.
  const bool connect_failed = error == ProxyError::UpstreamConnectFailed && bytes_in_ == 0;
  const bool reset_retry = error == ProxyError::UpstreamReset && !stale && bodiless &&
                           config().upstream.retry_on_reset && idempotent(parser_.head().method());
  if ((connect_failed || reset_retry) && may_retry) {
    releaseLoad();
    if (routeAndConnect(parser_.head()) && request_done_ && upstream_) {
      upstream_->requestComplete(static_cast<uint64_t>(config().timeouts.upstream_response.count()));
    }
    return;
  }
  if (stale && bodiless && upstream_attempts_ < kMaxStaleRetries) {
    ++upstream_attempts_;
    if (connectUpstream() && request_done_ && upstream_) {
      upstream_->requestComplete(static_cast<uint64_t>(config().timeouts.upstream_response.count()));
    }
    return;
  }
  reject(error);
}

void DownstreamConnection::onUpstreamDrained() {
  if (body_paused_) {
    body_paused_ = false;
    startReading();
  }
}

void DownstreamConnection::onTunnelData(std::string_view data) {
  bytes_out_ += data.size();
  write(data);
  if (!closed_ && upstream_ && outstanding() > kHighWater) {
    upstream_paused_ = true;
    upstream_->pauseReading();
  }
}

void DownstreamConnection::onTunnelEof() {
  upstream_ = nullptr;
  logExchange();
  closeAfterFlush();
}

void DownstreamConnection::finishExchange() {
  logExchange();
  if (!keep_alive_ || stop_requested_) {
    closeAfterFlush();
    return;
  }
  resetExchange();
  armTimer(Timer::Idle, config().timeouts.client_idle);
  parser_.resume();
  if (!pending_.empty()) {
    std::string next;
    next.swap(pending_);
    started_ = std::chrono::steady_clock::now();
    armTimer(Timer::Header, config().timeouts.client_header);
    feed(next.data(), next.size());
    if (closed_) return;
  }
  if (!(in_exchange_ && request_done_) && !body_paused_) startReading();
}

void DownstreamConnection::learnFromResponse(const HttpHead& head) {
  const auto& learn = config().routing.learn_cookie;
  auto* store = generation_->routing_state;
  const auto& keys = router().options().keys;
  if (learn.empty() || !store || !keys) return;
  const int64_t now_s = static_cast<int64_t>(std::time(nullptr));
  const int64_t now_ms = static_cast<int64_t>(uv_now(worker_.loop()));
  for (size_t i = 0; i < head.fieldCount(); ++i) {
    if (!equalsIgnoreCase(head.name(i), "set-cookie")) continue;
    auto c = routing::parseSetCookie(head.value(i), now_s);
    if (!c || c->name != learn) continue;
    if (c->deletes) {
      // Logout: the session this request carried is over, and so is any binding to the value.
      if (route_.key) store->table().erase(*route_.key);
      if (!c->value.empty()) store->table().erase(keys->hashValue(c->value));
    } else if (!c->value.empty()) {
      router().learn(keys->hashValue(c->value), backend_, *store, now_ms);
    }
  }
}

void DownstreamConnection::releaseLoad() {
  if (inflight_id_ != 0 && generation_->routing_state) generation_->routing_state->inflight().add(inflight_id_, -1);
  inflight_id_ = 0;
  if (inflight_counted_) {
    traffic().in_flight.fetch_sub(1, std::memory_order_relaxed);
    inflight_counted_ = false;
  }
}

void DownstreamConnection::reportBackendHealth(bool ok) {
  if (backend_ == routing::kNoBackend) return;
  auto& rt = generation_->backends->record(backend_);
  if (ok) {
    rt.passiveSuccess();
    return;
  }
  const auto& passive = config().health.passive;
  if (!passive.enabled) return;
  rt.passiveFailure(passive, static_cast<int64_t>(uv_now(worker_.loop())),
                    health::wallMs());
}

void DownstreamConnection::recordExchange(std::string_view error, std::chrono::microseconds took) {
  auto& m = worker_.metrics();
  m.observeLatency(static_cast<uint64_t>(took.count()));
  const size_t cls = statusClass(status_);
  if (backend_ == routing::kNoBackend) {
    m.unrouted[cls].fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto& t = traffic();
  const auto reason = static_cast<size_t>(route_.decision.reason);
  if (reason < health::TrafficShard::kReasons) t.requests[cls][reason].fetch_add(1, std::memory_order_relaxed);
  if (!error.empty()) t.errors.fetch_add(1, std::memory_order_relaxed);
}

void DownstreamConnection::resetExchange() {
  releaseLoad();
  route_ = {};
  in_exchange_ = request_done_ = response_started_ = false;
  head_request_ = upgrade_requested_ = false;
  upstream_paused_ = body_paused_ = false;
  request_framing_ = response_framing_ = BodyFraming::None;
  bytes_in_ = bytes_out_ = request_length_ = 0;
  status_ = 0;
  upstream_attempts_ = 0;
  tried_count_ = 0;
  backend_ = routing::kNoBackend;
  reason_ = {};
}

void DownstreamConnection::logExchange(std::string_view reason_override) {
  // One clock read for the metrics and the access log.
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  recordExchange(reason_override, took);
  auto& log = worker_.accessLog();
  if (!log.enabled()) return;
  const auto& head = parser_.head();
  AccessRecord r;
  r.client = peer_;
  r.method = head.method();
  r.target = head.target();
  r.status = status_;
  r.bytes_in = bytes_in_;
  r.bytes_out = bytes_out_;
  r.duration = took;
  r.backend = backend_ == routing::kNoBackend ? std::string_view("-")
                                               : std::string_view(router().backends()[backend_].key);
  r.reason = reason_override.empty() ? reason_ : reason_override;
  log.log(r);
}

// ---- writing, timers, closing -----------------------------------------------------------------

void DownstreamConnection::write(std::string_view a, std::string_view b, std::string_view c) {
  if (closed_) return;
  if (corked_ || batchQueued()) {  // behind bytes already gathered: keep the order
    out_.append(a).append(b).append(c);
    if (out_.size() >= kHighWater) flush();
    return;
  }
  if (writeTo(stream(), {a, b, c}, onWrite) < 0) close();
}

void DownstreamConnection::flush() {
  worker_.writeBatch().cancel(*this);  // written now, not again at the end of the iteration
  if (out_.empty() || closed_) return;
  const int rc = writeTo(stream(), {out_}, onWrite);
  out_.clear();
  // A large gathered write must not stay allocated on an idle keep-alive connection.
  if (out_.capacity() > 4096) std::string().swap(out_);
  if (rc < 0) close();
}

void DownstreamConnection::onUpstreamReadEnd() {
  corked_ = false;
  // Sent with every other write of this loop iteration (write_batch.h explains why).
  if (!out_.empty() && !closed_) worker_.writeBatch().enqueue(*this);
}

size_t DownstreamConnection::outstanding() const {
  return out_.size() + queuedBytes(reinterpret_cast<const uv_stream_t*>(&tcp_));
}

void DownstreamConnection::onWrite(uv_stream_t* s, int status) {
  auto* self = static_cast<DownstreamConnection*>(s->data);
  if (status == UV_ECANCELED || self->closed_) return;
  if (status < 0) {
    self->close();
    return;
  }
  const size_t queued = queuedBytes(s);
  if (self->closing_after_write_ && queued == 0) {
    self->closing_after_write_ = false;
    self->startLinger();
    return;
  }
  if (self->upstream_paused_ && queued < kLowWater) {
    self->upstream_paused_ = false;
    if (self->upstream_) self->upstream_->resumeReading();
  }
}

void DownstreamConnection::closeAfterFlush() {
  flush();
  stopReading();
  if (queuedBytes(stream()) == 0) {
    startLinger();
  } else {
    closing_after_write_ = true;
  }
}

void DownstreamConnection::startLinger() {
  if (closed_ || lingering_) return;
  flush();
  if (queuedBytes(stream()) > 0) {
    closing_after_write_ = true;
    stopReading();
    return;
  }
  lingering_ = true;
  if (uv_shutdown(&shutdown_req_, stream(), onShutdown) != 0) {
    close();
    return;
  }
  armTimer(Timer::Linger, kLinger);
  startReading();
}

void DownstreamConnection::onShutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<DownstreamConnection*>(req->data);
  if (status < 0 && status != UV_ECANCELED && !self->closed_) self->close();
}

void DownstreamConnection::armTimer(Timer kind, std::chrono::milliseconds ms) {
  timer_kind_ = kind;
  uv_timer_start(&timer_, onTimer, static_cast<uint64_t>(ms.count()), 0);
}

void DownstreamConnection::onTimer(uv_timer_t* t) {
  auto* self = static_cast<DownstreamConnection*>(t->data);
  switch (self->timer_kind_) {
  case Timer::Header:
    // Nothing received yet: a silent close. A partial head: tell the client why.
    if (self->parser_.inMessage()) {
      self->reject(ProxyError::ClientHeaderTimeout);
    } else {
      self->close();
    }
    break;
  case Timer::Body:
    if (!self->response_started_) {
      self->reject(ProxyError::ClientHeaderTimeout);
    } else {
      self->close();
    }
    break;
  default:
    self->close();
    break;
  }
}

} // namespace tether::proxy
