#include "proxy/transport/tcp_transport.h"

#include "proxy/transport/connector.h"
#include "proxy/transport/uv_write.h"

namespace tether::proxy::transport {

namespace {

// The numeric address of a connected peer ("127.0.0.1", "::1"); "" when the socket has none
// (already reset).
std::string peerName(uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  char name[64] = {0};
  if (ss.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&ss), name, sizeof name);
  } else {
    uv_ip4_name(reinterpret_cast<sockaddr_in*>(&ss), name, sizeof name);
  }
  return name;
}

// Lives from uv_tcp_connect() to its callback, which always runs (UV_ECANCELED when the handle
// closes first, before the handle's own close callback).
struct ConnectRequest {
  uv_connect_t req;
};

} // namespace

TcpTransport::TcpTransport(IoLoop& io, Phase phase) : Transport(io, phase) {
  tcp_.data = this;
  shutdown_.data = this;
}

TcpTransport* TcpTransport::accept(IoLoop& io, uv_stream_t* server) {
  auto* t = new TcpTransport(io, Phase::Open);
  uv_tcp_init(io.loop(), &t->tcp_);
  if (uv_accept(server, t->stream()) != 0) {
    t->close();  // frees itself in the close callback
    return nullptr;
  }
  uv_tcp_nodelay(&t->tcp_, 1);
  t->setPeerAddress(peerName(&t->tcp_));
  return t;
}

TcpTransport* TcpTransport::connect(IoLoop& io, const sockaddr_storage& addr,
                                    uint32_t receive_buffer) {
  auto* t = new TcpTransport(io, Phase::Connecting);
  // Creating the socket now (uv_tcp_init_ex) lets options be set before the SYN.
  if (uv_tcp_init_ex(io.loop(), &t->tcp_, addr.ss_family) != 0) {
    delete t;  // no handle was made
    return nullptr;
  }
  uv_tcp_nodelay(&t->tcp_, 1);
  if (receive_buffer > 0) {
    int size = static_cast<int>(receive_buffer);
    uv_recv_buffer_size(reinterpret_cast<uv_handle_t*>(&t->tcp_), &size);
  }
  auto* req = new ConnectRequest{};
  req->req.data = t;
  if (uv_tcp_connect(&req->req, &t->tcp_, reinterpret_cast<const sockaddr*>(&addr), onConnect) != 0) {
    delete req;
    t->close();
    return nullptr;
  }
  char name[64] = {0};
  if (addr.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(&addr), name, sizeof name);
  } else {
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&addr), name, sizeof name);
  }
  t->setPeerAddress(name);
  return t;
}

bool TcpTransport::sendNow(std::initializer_list<std::string_view> parts) {
  return writeTo(stream(), parts, onWrite) == 0;
}

size_t TcpTransport::pendingBytes() const {
  return transport::queuedBytes(reinterpret_cast<const uv_stream_t*>(&tcp_));
}

void TcpTransport::readOn() {
  if (reading_) return;
  if (uv_read_start(stream(), onAlloc, onRead) == 0) reading_ = true;
}

void TcpTransport::readOff() {
  if (!reading_) return;
  uv_read_stop(stream());
  reading_ = false;
}

bool TcpTransport::shutdownWrite() { return uv_shutdown(&shutdown_, stream(), onShutdown) == 0; }

int TcpTransport::closeHandles() {
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClosed);
  return 1;
}

void TcpTransport::onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  *buf = static_cast<TcpTransport*>(h->data)->io().readBuffer();
}

void TcpTransport::onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpTransport*>(s->data);
  if (nread > 0) {
    self->deliverData(buf->base, static_cast<size_t>(nread));
  } else if (nread == UV_EOF) {
    self->reading_ = false;  // libuv stops reading at EOF
    self->deliverEnd(TransportEnd::Eof);
  } else if (nread < 0) {
    self->deliverEnd(TransportEnd::Reset);
  }
}

void TcpTransport::onWrite(uv_stream_t* s, int status) {
  static_cast<TcpTransport*>(s->data)->writeDone(status);
}

void TcpTransport::onConnect(uv_connect_t* req, int status) {
  auto* self = static_cast<TcpTransport*>(req->data);
  delete reinterpret_cast<ConnectRequest*>(req);
  if (status == UV_ECANCELED) return;  // closing; the transport lives until its close callback
  self->connected(status == 0);
}

void TcpTransport::onShutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<TcpTransport*>(req->data);
  if (status < 0 && status != UV_ECANCELED) self->close();
}

void TcpTransport::onClosed(uv_handle_t* h) { static_cast<TcpTransport*>(h->data)->handleClosed(); }

Transport* TcpConnector::connect(IoLoop& io, const std::string& host, uint16_t port,
                                 uint32_t receive_buffer) {
  sockaddr_storage addr{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return nullptr;
  }
  return TcpTransport::connect(io, addr, receive_buffer);
}

} // namespace tether::proxy::transport
