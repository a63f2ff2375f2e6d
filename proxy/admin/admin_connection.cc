#include "proxy/admin/admin_connection.h"

#include <spdlog/spdlog.h>

#include "proxy/admin/json_writer.h"
#include "proxy/http/reason_phrase.h"

namespace tether::proxy::admin {

namespace {

// The most unparsed bytes kept while a reply is pending (a pipelining client is not read further
// until the reply was written).
constexpr size_t kMaxBuffered = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

} // namespace

AdminServer::Connection::Connection(AdminServer& server, transport::Transport* transport)
    : TimedConnection(server.io_.loop(), transport), server_(server),
      parser_(http::Http1Parser::Type::Request, *this, kMaxHeadBytes),
      link_(std::make_shared<Link>(Link{this})) {}

void AdminServer::Connection::start() {
  armIdleTimer();
  transport()->startReading();
}

void AdminServer::Connection::close() {
  if (closing()) return;
  link_.reset();  // disarms the reply of a request in progress
  if (awaiting_reply_) {
    spdlog::debug("admin {} \"{} {}\": client gone before the reply",
                  transport() ? transport()->peerAddress() : std::string(), method_, target_);
  }
  closeHandles();
}

void AdminServer::Connection::onFreed() {
  server_.connections_.erase(this);
  // Last: it may run close()'s done, which may free the server (this connection touches
  // nothing of the server afterwards).
  server_.maybeFinishClose();
}

// ---- reading and parsing ----------------------------------------------------------------------

void AdminServer::Connection::onTransportData(const char* data, size_t len) {
  if (closing() || ending_) return;  // no request after a closing response
  in_.append(data, len);
  if (!awaiting_reply_) {
    if (!parser_.inMessage()) started_ = std::chrono::steady_clock::now();  // a request begins
    armIdleTimer();
  }
  drain();
  // Unparsed bytes pile up only while a reply is pending: stop reading until it was written.
  if (!closing() && !ending_ && in_.size() >= kMaxBuffered) transport()->stopReading();
}

void AdminServer::Connection::drain() {
  if (draining_) return;  // a synchronous reply inside dispatch(): the loop below continues
  draining_ = true;
  size_t off = 0;
  while (!closing() && !ending_ && !awaiting_reply_ && off < in_.size()) {
    const auto r = parser_.execute(in_.data() + off, in_.size() - off);
    if (closing() || ending_) break;  // onHead/onBody rejected the request and answered
    switch (r.status) {
    case http::Http1Parser::Status::Ok:
      off = in_.size();
      break;
    case http::Http1Parser::Status::Upgraded:
      // We speak nothing else; answer the request and close.
      answer_.keep_alive = false;
      [[fallthrough]];
    case http::Http1Parser::Status::Paused:
      off += r.consumed;
      parser_.resume();
      dispatch();
      break;
    case http::Http1Parser::Status::HeadTooLarge:
      reject(431, "request head larger than 16384 bytes");
      break;
    case http::Http1Parser::Status::Rejected:
      break;  // already answered
    case http::Http1Parser::Status::Error:
      reject(400, std::string("malformed request: ") + parser_.errorReason());
      break;
    }
  }
  if (ending_) {
    in_.clear();
  } else if (off > 0) {
    in_.erase(0, off);
  }
  draining_ = false;
}

http::Http1Parser::HeadAction AdminServer::Connection::onHead(http::HttpHead& head) {
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
  answer_.head = head.method() == "HEAD";
  answer_.http10 = head.http_major == 1 && head.http_minor == 0;
  answer_.keep_alive = parser_.keepAlive();

  const size_t hosts = head.count("host");
  if (hosts > 1 || (hosts == 0 && !answer_.http10)) {
    reject(400, hosts > 1 ? "more than one Host header" : "missing Host header");
    return http::Http1Parser::HeadAction::Abort;
  }
  if (!authorized(head)) {
    reject(401, "missing or invalid bearer token");
    return http::Http1Parser::HeadAction::Abort;
  }
  if (parser_.chunked() || head.get("transfer-encoding")) {
    reject(411, "chunked request bodies are not supported; send Content-Length");
    return http::Http1Parser::HeadAction::Abort;
  }
  const uint64_t length = parser_.contentLength().value_or(0);
  if (length > kMaxBodyBytes) {
    reject(413, "request body larger than 1048576 bytes");
    return http::Http1Parser::HeadAction::Abort;
  }
  if (const auto expect = head.get("expect")) {
    if (!http::equalsIgnoreCase(*expect, "100-continue")) {
      reject(417, "unsupported Expect");
      return http::Http1Parser::HeadAction::Abort;
    }
    if (length > 0 && !answer_.http10) transport()->write(kContinue);
    if (closing()) return http::Http1Parser::HeadAction::Abort;
  }
  request_.body.reserve(length);
  return http::Http1Parser::HeadAction::Proceed;
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

bool AdminServer::Connection::authorized(const http::HttpHead& head) const {
  if (server_.token_.empty()) return true;
  if (head.count("authorization") != 1) return false;
  // RFC 6750 §2.1: "Bearer" 1*SP token; the scheme is case-insensitive (RFC 9110 §11.1).
  const std::string_view v = http::trimOws(*head.get("authorization"));
  constexpr std::string_view kScheme = "Bearer";
  if (v.size() <= kScheme.size() || !http::equalsIgnoreCase(v.substr(0, kScheme.size()), kScheme) ||
      v[kScheme.size()] != ' ') {
    return false;
  }
  return constantTimeEquals(http::trimOws(v.substr(kScheme.size())), server_.token_);
}

// ---- handing requests out and answering -------------------------------------------------------

void AdminServer::Connection::dispatch() {
  awaiting_reply_ = true;
  const uint64_t exchange = ++exchange_;
  // The handler may take as long as it needs (a reload); only the client's silence is timed.
  stopTimer();
  timer_armed_ = false;
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
  if (closing() || !awaiting_reply_ || exchange != exchange_) return;  // late or repeated reply
  awaiting_reply_ = false;
  const bool last = !answer_.keep_alive || server_.closing_;
  respond(response, last);
  if (closing()) return;
  if (last) {
    closeAfterFlush();
    return;
  }
  armIdleTimer();
  started_ = std::chrono::steady_clock::now();
  if (in_.size() < kMaxBuffered) transport()->startReading();
  drain();  // a pipelined request already buffered (no-op when we are inside drain())
}

void AdminServer::Connection::reject(int status, std::string_view message) {
  answer_.keep_alive = false;
  respond(adminError(status, message), true);
  if (!closing()) closeAfterFlush();
}

void AdminServer::Connection::respond(const AdminResponse& in, bool closing) {
  const AdminResponse* r = &in;
  AdminResponse fallback;
  if (in.status < 200 || in.status > 599 || in.content_type.empty() ||
      !http::isSafeFieldValue(in.content_type) || !http::isSafeFieldValue(in.allow)) {
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
  head += http::reasonPhrase(r->status);
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
  } else if (answer_.http10) {
    head += "\r\nConnection: keep-alive";
  }
  head += "\r\n\r\n";
  const std::string_view body = (no_body || answer_.head) ? std::string_view() : r->body;
  transport()->write(head, body);
  // A large answer to a slow reader: each time it drains, the idle timeout starts again.
  if (!TimedConnection::closing()) transport()->backlogged();
}

void AdminServer::Connection::logRequest(int status) {
  if (spdlog::should_log(spdlog::level::debug)) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    spdlog::debug("admin {} \"{} {}\" {} {:.3f}ms", transport()->peerAddress(), method_.empty() ? "-" : method_,
                  target_.empty() ? "-" : target_, status,
                  static_cast<double>(us.count()) / 1000.0);
  }
  method_.clear();
  target_.clear();
}

// ---- writing and closing ----------------------------------------------------------------------

void AdminServer::Connection::onTransportDrained() {
  // Progress on a slow reader postpones the idle timeout.
  if (!awaiting_reply_ && !ending_) armIdleTimer();
}

void AdminServer::Connection::closeAfterFlush() {
  if (closing() || ending_) return;
  ending_ = true;
  stopTimer();
  timer_armed_ = false;
  // A client that never reads the answer is dropped after the idle timeout.
  transport()->closeAfterFlush(server_.idle_timeout_);
}

void AdminServer::Connection::armIdleTimer() {
  if (closing()) return;
  timer_armed_ = true;
  startTimer(static_cast<uint64_t>(server_.idle_timeout_.count()));
}

void AdminServer::Connection::onTimeout() {
  if (!timer_armed_ || awaiting_reply_) return;
  timer_armed_ = false;
  // A half-received request is told why; a silent idle connection just closes.
  if (!ending_ && parser_.inMessage()) {
    reject(408, "request timeout");
  } else {
    close();
  }
}

} // namespace tether::proxy::admin
