#include "proxy/admin_connection.h"

#include <spdlog/spdlog.h>

#include "proxy/json_writer.h"
#include "proxy/peer_address.h"
#include "proxy/uv_write.h"

namespace tether::proxy {

namespace {

// Read space offered to libuv per read, and the most unparsed bytes kept while a reply is
// pending (a pipelining client is not read further until the reply was written).
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxBuffered = 64 * 1024;
// After a closing response: how long to keep reading (and discarding) so the client sees our
// response instead of an RST caused by its unread request bytes.
constexpr std::chrono::milliseconds kLinger{2000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view reasonPhrase(int status) {
  switch (status) {
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 411: return "Length Required";
  case 413: return "Content Too Large";
  case 415: return "Unsupported Media Type";
  case 417: return "Expectation Failed";
  case 422: return "Unprocessable Content";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return status < 400 ? "OK" : "Error";
  }
}

// A header value we can emit as is: no CR, LF or other control bytes (response splitting).
bool safeHeaderValue(std::string_view v) {
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
  }
  return true;
}

} // namespace

AdminServer::Connection::Connection(AdminServer& server)
    : server_(server), parser_(Http1Parser::Type::Request, *this, kMaxHeadBytes),
      link_(std::make_shared<Link>(Link{this})) {
  uv_tcp_init(server_.loop_, &tcp_);
  uv_timer_init(server_.loop_, &timer_);
  tcp_.data = this;
  timer_.data = this;
  shutdown_req_.data = this;
}

void AdminServer::Connection::start() {
  uv_tcp_nodelay(&tcp_, 1);
  peer_ = peerAddress(&tcp_);
  armTimer(Timer::Idle, server_.idle_timeout_);
  startReading();
}

void AdminServer::Connection::close() {
  if (closed_) return;
  closed_ = true;
  link_.reset();  // disarms the reply of a request in progress
  if (awaiting_reply_) {
    spdlog::debug("admin {} \"{} {}\": client gone before the reply", peer_, method_, target_);
  }
  uv_timer_stop(&timer_);
  pending_closes_ = 2;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onClosed);
}

void AdminServer::Connection::onClosed(uv_handle_t* h) {
  auto* self = static_cast<Connection*>(h->data);
  if (--self->pending_closes_ > 0) return;
  AdminServer& server = self->server_;
  server.connections_.erase(self);
  delete self;
  server.maybeFinishClose();  // last: it may run close()'s done, which may free the server
}

// ---- reading and parsing ----------------------------------------------------------------------

void AdminServer::Connection::startReading() {
  if (reading_ || closed_) return;
  if (uv_read_start(stream(), onAlloc, onRead) == 0) reading_ = true;
}

void AdminServer::Connection::stopReading() {
  if (!reading_) return;
  uv_read_stop(stream());
  reading_ = false;
}

void AdminServer::Connection::onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(h->data);
  if (self->in_len_ >= kMaxBuffered) {
    *buf = uv_buf_init(nullptr, 0);  // libuv reports UV_ENOBUFS; reads stop before this
    return;
  }
  if (self->in_.size() < self->in_len_ + kReadChunk) self->in_.resize(self->in_len_ + kReadChunk);
  *buf = uv_buf_init(self->in_.data() + self->in_len_, static_cast<unsigned>(kReadChunk));
}

void AdminServer::Connection::onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  static_cast<Connection*>(s->data)->onReadImpl(nread);
}

void AdminServer::Connection::onReadImpl(ssize_t nread) {
  if (nread == 0 || closed_) return;
  if (nread < 0) {
    // EOF or reset: the client is gone (a reply still pending becomes a no-op).
    close();
    return;
  }
  if (lingering_ || ending_) return;  // discarded: no request after a closing response
  in_len_ += static_cast<size_t>(nread);
  if (!awaiting_reply_) {
    if (!parser_.inMessage()) started_ = std::chrono::steady_clock::now();  // a request begins
    armTimer(Timer::Idle, server_.idle_timeout_);
  }
  if (in_len_ >= kMaxBuffered) stopReading();
  drain();
}

void AdminServer::Connection::drain() {
  if (draining_) return;  // a synchronous reply inside dispatch(): the loop below continues
  draining_ = true;
  size_t off = 0;
  while (!closed_ && !ending_ && !awaiting_reply_ && off < in_len_) {
    const auto r = parser_.execute(in_.data() + off, in_len_ - off);
    if (closed_ || ending_) break;  // onHead/onBody rejected the request and answered
    switch (r.status) {
    case Http1Parser::Status::Ok:
      off = in_len_;
      break;
    case Http1Parser::Status::Upgraded:
      // We speak nothing else; answer the request and close.
      keep_alive_ = false;
      [[fallthrough]];
    case Http1Parser::Status::Paused:
      off += r.consumed;
      parser_.resume();
      dispatch();
      break;
    case Http1Parser::Status::HeadTooLarge:
      reject(431, "request head larger than 16384 bytes");
      break;
    case Http1Parser::Status::Rejected:
      break;  // already answered
    case Http1Parser::Status::Error:
      reject(400, std::string("malformed request: ") + parser_.errorReason());
      break;
    }
  }
  if (ending_) {
    in_len_ = 0;
  } else if (off > 0) {
    in_.erase(0, off);
    in_len_ -= off;
  }
  draining_ = false;
}

Http1Parser::HeadAction AdminServer::Connection::onHead(HttpHead& head) {
  request_ = {};
  request_.method.assign(head.method());
  method_ = request_.method;
  target_.assign(head.target());
  std::string_view target = head.target();
  // Absolute form (RFC 9112 §3.2.2): the path starts at the first '/' after the authority.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!target.starts_with(scheme)) continue;
    const auto slash = target.find('/', scheme.size());
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    break;
  }
  target = target.substr(0, target.find('#'));
  const auto q = target.find('?');
  request_.path.assign(target.substr(0, q));
  if (q != std::string_view::npos) request_.query.assign(target.substr(q + 1));
  head_request_ = head.method() == "HEAD";
  http10_ = head.http_major == 1 && head.http_minor == 0;
  keep_alive_ = parser_.keepAlive();

  const size_t hosts = head.count("host");
  if (hosts > 1 || (hosts == 0 && !http10_)) {
    reject(400, hosts > 1 ? "more than one Host header" : "missing Host header");
    return Http1Parser::HeadAction::Abort;
  }
  if (!authorized(head)) {
    reject(401, "missing or invalid bearer token");
    return Http1Parser::HeadAction::Abort;
  }
  if (parser_.chunked() || head.get("transfer-encoding")) {
    reject(411, "chunked request bodies are not supported; send Content-Length");
    return Http1Parser::HeadAction::Abort;
  }
  const uint64_t length = parser_.contentLength().value_or(0);
  if (length > kMaxBodyBytes) {
    reject(413, "request body larger than 1048576 bytes");
    return Http1Parser::HeadAction::Abort;
  }
  if (const auto expect = head.get("expect")) {
    if (!equalsIgnoreCase(*expect, "100-continue")) {
      reject(417, "unsupported Expect");
      return Http1Parser::HeadAction::Abort;
    }
    if (length > 0 && !http10_ && writeTo(stream(), {kContinue}, onWrite) < 0) {
      close();
      return Http1Parser::HeadAction::Abort;
    }
  }
  request_.body.reserve(length);
  return Http1Parser::HeadAction::Proceed;
}

bool AdminServer::Connection::onBody(std::string_view data) {
  // Content-Length was checked at the head; this only guards the invariant.
  if (request_.body.size() + data.size() > kMaxBodyBytes) {
    reject(413, "request body larger than 1048576 bytes");
    return false;
  }
  request_.body.append(data);
  return true;
}

bool AdminServer::Connection::authorized(const HttpHead& head) const {
  if (server_.token_.empty()) return true;
  if (head.count("authorization") != 1) return false;
  // RFC 6750 §2.1: "Bearer" 1*SP token; the scheme is case-insensitive (RFC 9110 §11.1).
  const std::string_view v = trimOws(*head.get("authorization"));
  constexpr std::string_view kScheme = "Bearer";
  if (v.size() <= kScheme.size() || !equalsIgnoreCase(v.substr(0, kScheme.size()), kScheme) ||
      v[kScheme.size()] != ' ') {
    return false;
  }
  return constantTimeEquals(trimOws(v.substr(kScheme.size())), server_.token_);
}

// ---- handing requests out and answering -------------------------------------------------------

void AdminServer::Connection::dispatch() {
  awaiting_reply_ = true;
  const uint64_t exchange = ++exchange_;
  // The handler may take as long as it needs (a reload); only the client's silence is timed.
  uv_timer_stop(&timer_);
  timer_kind_ = Timer::None;
  if (!server_.handler_) {
    onReply(exchange, adminError(404, "not found"));
    return;
  }
  const AdminRequest request = std::move(request_);
  request_ = {};
  AdminReply reply = [link = std::weak_ptr<Link>(link_), exchange](AdminResponse response) {
    if (const auto l = link.lock()) l->conn->onReply(exchange, std::move(response));
  };
  server_.handler_(request, std::move(reply));
}

void AdminServer::Connection::onReply(uint64_t exchange, AdminResponse response) {
  if (closed_ || !awaiting_reply_ || exchange != exchange_) return;  // late or repeated reply
  awaiting_reply_ = false;
  const bool closing = !keep_alive_ || server_.closing_;
  respond(response, closing);
  if (closed_) return;
  if (closing) {
    closeAfterFlush();
    return;
  }
  armTimer(Timer::Idle, server_.idle_timeout_);
  started_ = std::chrono::steady_clock::now();
  startReading();
  drain();  // a pipelined request already buffered (no-op when we are inside drain())
}

void AdminServer::Connection::reject(int status, std::string_view message) {
  keep_alive_ = false;
  respond(adminError(status, message), true);
  if (!closed_) closeAfterFlush();
}

void AdminServer::Connection::respond(const AdminResponse& in, bool closing) {
  const AdminResponse* r = &in;
  AdminResponse fallback;
  if (in.status < 200 || in.status > 599 || in.content_type.empty() ||
      !safeHeaderValue(in.content_type) || !safeHeaderValue(in.allow)) {
    std::string shown;  // quoted and escaped: the value may hold CR/LF
    appendJsonString(shown, in.content_type);
    spdlog::error("admin {}: handler answered with status {} and content type {}; sending 500",
                  target_, in.status, shown);
    fallback = adminError(500, "invalid response from handler");
    r = &fallback;
  }
  logRequest(r->status);
  // RFC 9110 §8.6 and §15.3.5: no Content-Length and no body with 204; 304 has no body either.
  const bool no_body = r->status == 204 || r->status == 304;
  std::string head;
  head.reserve(192 + r->content_type.size());
  head += "HTTP/1.1 ";
  head += std::to_string(r->status);
  head += ' ';
  head += reasonPhrase(r->status);
  head += "\r\nContent-Type: ";
  head += r->content_type;
  if (!no_body) {
    head += "\r\nContent-Length: ";
    head += std::to_string(r->body.size());
  }
  head += "\r\nCache-Control: no-store";
  if (r->status == 401) head += "\r\nWWW-Authenticate: Bearer";
  if (!r->allow.empty()) head.append("\r\nAllow: ").append(r->allow);
  if (closing) {
    head += "\r\nConnection: close";
  } else if (http10_) {
    head += "\r\nConnection: keep-alive";
  }
  head += "\r\n\r\n";
  const std::string_view body = (no_body || head_request_) ? std::string_view() : r->body;
  if (writeTo(stream(), {head, body}, onWrite) < 0) close();
}

void AdminServer::Connection::logRequest(int status) {
  if (spdlog::should_log(spdlog::level::debug)) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    spdlog::debug("admin {} \"{} {}\" {} {:.3f}ms", peer_, method_.empty() ? "-" : method_,
                  target_.empty() ? "-" : target_, status,
                  static_cast<double>(us.count()) / 1000.0);
  }
  method_.clear();
  target_.clear();
}

// ---- writing and closing ----------------------------------------------------------------------

void AdminServer::Connection::onWrite(uv_stream_t* s, int status) {
  auto* self = static_cast<Connection*>(s->data);
  if (status == UV_ECANCELED || self->closed_) return;
  if (status < 0) {
    self->close();
    return;
  }
  if (self->closing_after_write_) {
    if (queuedBytes(s) == 0) {
      self->closing_after_write_ = false;
      self->startLinger();
    }
    return;
  }
  // Progress on a slow reader postpones the idle timeout.
  if (!self->awaiting_reply_ && !self->lingering_) {
    self->armTimer(Timer::Idle, self->server_.idle_timeout_);
  }
}

void AdminServer::Connection::closeAfterFlush() {
  if (closed_ || ending_) return;
  ending_ = true;
  stopReading();
  if (queuedBytes(stream()) == 0) {
    startLinger();
  } else {
    closing_after_write_ = true;
    armTimer(Timer::Idle, server_.idle_timeout_);  // a client that never reads is dropped
  }
}

void AdminServer::Connection::startLinger() {
  if (closed_ || lingering_) return;
  lingering_ = true;
  if (uv_shutdown(&shutdown_req_, stream(), onShutdown) != 0) {
    close();
    return;
  }
  armTimer(Timer::Linger, kLinger);
  startReading();
}

void AdminServer::Connection::onShutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  if (status < 0 && status != UV_ECANCELED && !self->closed_) self->close();
}

void AdminServer::Connection::armTimer(Timer kind, std::chrono::milliseconds ms) {
  if (closed_) return;
  timer_kind_ = kind;
  uv_timer_start(&timer_, onTimer, static_cast<uint64_t>(ms.count()), 0);
}

void AdminServer::Connection::onTimer(uv_timer_t* t) {
  auto* self = static_cast<Connection*>(t->data);
  const Timer kind = self->timer_kind_;
  self->timer_kind_ = Timer::None;
  switch (kind) {
  case Timer::None:
    return;
  case Timer::Idle:
    if (self->awaiting_reply_) return;
    // A half-received request is told why; a silent idle connection just closes.
    if (!self->ending_ && self->parser_.inMessage()) {
      self->reject(408, "request timeout");
    } else {
      self->close();
    }
    return;
  case Timer::Linger:
    self->close();
    return;
  }
}

} // namespace tether::proxy
