#include "demo_server.h"

#include <llhttp.h>

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace tether::demo {
namespace {

// Caps on what we copy out of a request head: a longer target gets 414, longer cookies 431, and
// the connection closes.
constexpr size_t kMaxTargetBytes = 8 * 1024;
constexpr size_t kMaxCookieBytes = 8 * 1024;
// Stop reading from a client that pipelines faster than it reads our answers.
constexpr size_t kWriteHighWater = 256 * 1024;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Value of `key` in a query string "a=1&user=bob", undecoded; nullopt if absent.
std::optional<std::string_view> queryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

struct WriteReq {
  uv_write_t req;
  std::string data;  // owned until the write callback
};

} // namespace

// One accepted client. Owns its uv_tcp_t and parser; destroyed only from onClosed.
class Connection {
public:
  explicit Connection(DemoServer& server) : server_(server) {
    tcp_.data = this;
    shutdown_req_.data = this;
    llhttp_init(&parser_, HTTP_REQUEST, &settings());
    parser_.data = this;
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_tcp_t* tcp() { return &tcp_; }
  void start();
  // Idempotent; the object is freed in onClosed.
  void close();

private:
  friend class DemoServer;  // links connections into its list
  static const llhttp_settings_t& settings();
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onClosed(uv_handle_t* handle);

  void onReadImpl(ssize_t nread, const uv_buf_t* buf);
  int onMessageComplete();
  void handleRequest(bool keep_alive);
  void appendResponse(int status, std::string_view reason, std::string_view extra_headers,
                      std::string_view body, bool keep_alive);
  void flush();
  void startShutdown();

  DemoServer& server_;
  Connection* prev_ = nullptr;  // DemoServer's intrusive list
  Connection* next_ = nullptr;
  uv_tcp_t tcp_;
  uv_shutdown_t shutdown_req_;
  llhttp_t parser_;
  // Per-request state; the strings keep their capacity across requests.
  std::string target_;
  std::string field_;
  std::string cookies_;  // every Cookie header of the request, joined with "; "
  bool in_cookie_ = false;
  int reject_status_ = 0;  // 414 or 431 when a cap above was hit; otherwise a parse error is 400
  std::string out_;  // responses not yet handed to the kernel
  bool close_after_flush_ = false;
  bool read_paused_ = false;
  bool shutting_down_ = false;
  bool closing_ = false;
};

const llhttp_settings_t& Connection::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = [](llhttp_t* p) {
      auto* c = static_cast<Connection*>(p->data);
      c->target_.clear();
      c->cookies_.clear();
      c->field_.clear();
      c->in_cookie_ = false;
      c->reject_status_ = 0;
      return 0;
    };
    st.on_url = [](llhttp_t* p, const char* at, size_t len) {
      auto* c = static_cast<Connection*>(p->data);
      if (c->target_.size() + len > kMaxTargetBytes) {
        c->reject_status_ = 414;
        return static_cast<int>(HPE_USER);
      }
      c->target_.append(at, len);
      return 0;
    };
    st.on_header_field = [](llhttp_t* p, const char* at, size_t len) {
      auto* c = static_cast<Connection*>(p->data);
      if (c->field_.size() + len <= 64) c->field_.append(at, len);  // longer names never match
      return 0;
    };
    st.on_header_field_complete = [](llhttp_t* p) {
      auto* c = static_cast<Connection*>(p->data);
      c->in_cookie_ = equalsIgnoreCase(c->field_, "cookie");
      c->field_.clear();
      if (c->in_cookie_ && !c->cookies_.empty()) c->cookies_.append("; ");
      return 0;
    };
    st.on_header_value = [](llhttp_t* p, const char* at, size_t len) {
      auto* c = static_cast<Connection*>(p->data);
      if (!c->in_cookie_) return 0;
      if (c->cookies_.size() + len > kMaxCookieBytes) {
        c->reject_status_ = 431;
        return static_cast<int>(HPE_USER);
      }
      c->cookies_.append(at, len);
      return 0;
    };
    st.on_message_complete = [](llhttp_t* p) {
      return static_cast<Connection*>(p->data)->onMessageComplete();
    };
    // on_body is left unset: bodies are parsed (so framing stays right) and dropped.
    return st;
  }();
  return s;
}

void Connection::start() {
  uv_tcp_nodelay(&tcp_, 1);
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), onAlloc, onRead) != 0) close();
}

void Connection::close() {
  if (closing_) return;
  closing_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClosed);
}

void Connection::onClosed(uv_handle_t* handle) {
  auto* c = static_cast<Connection*>(handle->data);
  c->server_.unlink(c);
  delete c;
}

void Connection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(c->server_.read_buffer_, DemoServer::kReadBufferSize);
}

void Connection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  static_cast<Connection*>(stream->data)->onReadImpl(nread, buf);
}

void Connection::onReadImpl(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0 || shutting_down_) return;
  if (nread < 0) {
    // EOF: the client is done sending; finish answering what it sent, then leave.
    if (nread == UV_EOF && (!out_.empty() || tcp_.write_queue_size > 0)) {
      flush();
      startShutdown();
    } else {
      close();
    }
    return;
  }
  const llhttp_errno_t err = llhttp_execute(&parser_, buf->base, static_cast<size_t>(nread));
  if (err == HPE_PAUSED_UPGRADE) {
    close_after_flush_ = true;  // no protocol switch here; the response was already queued
  } else if (err != HPE_OK && err != HPE_PAUSED) {
    if (reject_status_ == 414) {
      appendResponse(414, "URI Too Long", {}, "request target too long\n", false);
    } else if (reject_status_ == 431) {
      appendResponse(431, "Request Header Fields Too Large", {}, "cookies too large\n", false);
    } else {
      appendResponse(400, "Bad Request", {}, "bad request\n", false);
    }
    close_after_flush_ = true;
  }
  flush();
}

int Connection::onMessageComplete() {
  const bool keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  handleRequest(keep_alive);
  if (keep_alive) return 0;
  close_after_flush_ = true;
  return HPE_PAUSED;  // ignore anything pipelined after a request that ends the connection
}

void Connection::handleRequest(bool keep_alive) {
  const std::string& name = server_.name_;
  const auto method = static_cast<llhttp_method_t>(llhttp_get_method(&parser_));
  const std::string_view target(target_);
  const size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);
  // Built only for the session endpoints; the hot "hello" path below allocates nothing.
  std::string body;

  if (path == "/login") {
    if (method != HTTP_GET && method != HTTP_POST) {
      appendResponse(405, "Method Not Allowed", "Allow: GET, POST\r\n", "use GET or POST\n",
                     keep_alive);
      return;
    }
    const std::string_view user = queryParam(query, "user").value_or("guest");
    if (!validUserName(user)) {
      appendResponse(400, "Bad Request", {}, "user must be 1-64 of [A-Za-z0-9._-]\n", keep_alive);
      return;
    }
    const std::string token = server_.sessions_.create(user);
    const std::string cookie = "Set-Cookie: DEMOSESSION=" + token + "; Path=/; HttpOnly\r\n";
    body.append("logged in as ").append(user).append(" on ").append(name).append("\n");
    appendResponse(200, "OK", cookie, body, keep_alive);
  } else if (path == "/whoami") {
    const auto token = findCookie(cookies_, "DEMOSESSION");
    const auto user = token ? server_.sessions_.find(*token) : std::nullopt;
    if (user) {
      body.append(*user).append(" on ").append(name).append("\n");
      appendResponse(200, "OK", {}, body, keep_alive);
    } else {
      body.append("not logged in on ").append(name).append("\n");
      appendResponse(401, "Unauthorized", {}, body, keep_alive);
    }
  } else if (path == "/logout") {
    if (const auto token = findCookie(cookies_, "DEMOSESSION")) server_.sessions_.erase(*token);
    body.append("logged out on ").append(name).append("\n");
    appendResponse(200, "OK", "Set-Cookie: DEMOSESSION=; Max-Age=0; Path=/\r\n", body,
                   keep_alive);
  } else if (path == "/health") {
    appendResponse(200, "OK", {}, "ok\n", keep_alive);
  } else {
    appendResponse(200, "OK", {}, server_.hello_body_, keep_alive);
  }
}

void Connection::appendResponse(int status, std::string_view reason,
                                std::string_view extra_headers, std::string_view body,
                                bool keep_alive) {
  char num[24];
  out_.append("HTTP/1.1 ");
  out_.append(num, std::to_chars(num, num + sizeof num, status).ptr);
  out_.append(" ").append(reason).append("\r\nX-Backend: ").append(server_.name_);
  out_.append("\r\nContent-Type: text/plain\r\nContent-Length: ");
  out_.append(num, std::to_chars(num, num + sizeof num, body.size()).ptr);
  out_.append("\r\n").append(extra_headers);
  if (!keep_alive) {
    out_.append("Connection: close\r\n");
  } else if (parser_.http_major == 1 && parser_.http_minor == 0) {
    out_.append("Connection: keep-alive\r\n");  // HTTP/1.0 closes unless told otherwise
  }
  out_.append("\r\n");
  if (llhttp_get_method(&parser_) != HTTP_HEAD) out_.append(body);
}

void Connection::flush() {
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  if (!out_.empty() && !closing_) {
    size_t sent = 0;
    const uv_buf_t all = uv_buf_init(out_.data(), out_.size());
    // uv_try_write refuses (UV_EAGAIN) while earlier writes are queued, so order is kept.
    const int n = uv_try_write(stream, &all, 1);
    if (n >= 0) {
      sent = static_cast<size_t>(n);
    } else if (n != UV_EAGAIN) {
      close();
      return;
    }
    if (sent < out_.size()) {
      auto w = std::make_unique<WriteReq>();
      w->data.assign(out_, sent);
      w->req.data = this;
      const uv_buf_t b = uv_buf_init(w->data.data(), w->data.size());
      if (uv_write(&w->req, stream, &b, 1, onWrite) != 0) {
        close();  // the callback will not run; unique_ptr frees the request
        return;
      }
      w.release();  // owned by the loop until onWrite
    }
    out_.clear();
  }
  if (close_after_flush_) {
    startShutdown();
  } else if (tcp_.write_queue_size > kWriteHighWater && !read_paused_) {
    uv_read_stop(stream);
    read_paused_ = true;
  }
}

void Connection::onWrite(uv_write_t* req, int status) {
  std::unique_ptr<WriteReq> w(reinterpret_cast<WriteReq*>(req));
  if (status == UV_ECANCELED) return;  // the connection is closing; don't touch it
  auto* c = static_cast<Connection*>(req->data);
  if (status < 0) {
    c->close();
    return;
  }
  if (c->read_paused_ && !c->shutting_down_ && c->tcp_.write_queue_size <= kWriteHighWater / 2) {
    c->read_paused_ = false;
    if (uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp_), onAlloc, onRead) != 0) c->close();
  }
}

// Half-close after the queued writes drain, so the client sees the whole last response before
// the connection goes away.
void Connection::startShutdown() {
  if (shutting_down_ || closing_) return;
  shutting_down_ = true;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  uv_read_stop(stream);
  if (uv_shutdown(&shutdown_req_, stream, onShutdown) != 0) close();
}

void Connection::onShutdown(uv_shutdown_t* req, int status) {
  if (status == UV_ECANCELED) return;
  static_cast<Connection*>(req->data)->close();
}

DemoServer::DemoServer(uv_loop_t* loop, std::string name)
    : loop_(loop), name_(std::move(name)), hello_body_("hello from " + name_ + "\n") {
  listener_.data = this;
  sigterm_.data = this;
  sigint_.data = this;
}

DemoServer::~DemoServer() {
  // Destroying a server whose handles are still open would leave libuv pointing into freed
  // memory; the caller must run the loop until close() has finished.
  if (!allClosed()) std::abort();
}

int DemoServer::listen(const std::string& host, uint16_t port) {
  sockaddr_storage addr{};
  int rc = uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) rc = uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  if (rc != 0) return rc;
  uv_tcp_init(loop_, &listener_);
  uv_signal_init(loop_, &sigterm_);
  uv_signal_init(loop_, &sigint_);
  pending_closes_ = 3;
  listening_ = true;
  // libuv defers some bind errors (EADDRINUSE) to listen(), so check both.
  rc = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 1024, onConnection);
  if (rc == 0) rc = uv_signal_start(&sigterm_, onSignal, SIGTERM);
  if (rc == 0) rc = uv_signal_start(&sigint_, onSignal, SIGINT);
  if (rc != 0) close();
  return rc;
}

uint16_t DemoServer::boundPort() const {
  if (!listening_) return 0;
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void DemoServer::close() {
  if (closing_) return;
  closing_ = true;
  if (listening_) {
    closeHandle(reinterpret_cast<uv_handle_t*>(&listener_));
    closeHandle(reinterpret_cast<uv_handle_t*>(&sigterm_));
    closeHandle(reinterpret_cast<uv_handle_t*>(&sigint_));
  }
  for (Connection* c = connections_; c != nullptr; c = c->next_) c->close();
}

void DemoServer::closeHandle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) uv_close(handle, onClosed);
}

void DemoServer::onClosed(uv_handle_t* handle) {
  --static_cast<DemoServer*>(handle->data)->pending_closes_;
}

void DemoServer::onSignal(uv_signal_t* handle, int signum) {
  auto* server = static_cast<DemoServer*>(handle->data);
  std::printf("%s: %s, shutting down\n", server->name_.c_str(), strsignal(signum));
  std::fflush(stdout);
  server->close();
}

void DemoServer::onConnection(uv_stream_t* listener, int status) {
  auto* server = static_cast<DemoServer*>(listener->data);
  if (status < 0 || server->closing_) return;
  auto* conn = new Connection(*server);
  uv_tcp_init(server->loop_, conn->tcp());
  conn->next_ = server->connections_;
  if (server->connections_ != nullptr) server->connections_->prev_ = conn;
  server->connections_ = conn;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(conn->tcp())) != 0) {
    conn->close();  // frees it from the close callback
    return;
  }
  conn->start();
}

void DemoServer::unlink(Connection* conn) {
  if (conn->prev_ != nullptr) conn->prev_->next_ = conn->next_;
  if (conn->next_ != nullptr) conn->next_->prev_ = conn->prev_;
  if (connections_ == conn) connections_ = conn->next_;
}

} // namespace tether::demo
