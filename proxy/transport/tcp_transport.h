#pragma once
// TcpTransport: a Transport over a libuv TCP socket (Nagle off). Accepted client connections
// and connections to backends are both one of these.
//
// Writes try uv_try_write first (the common case on loopback and LANs: no copy, no allocation);
// whatever the kernel does not take is copied into a write request that owns its bytes
// (uv_write.h). Loop thread only; frees itself after its last close callback (transport.h).

#include <uv.h>

#include <cstdint>

#include "proxy/transport/transport.h"

namespace tether::proxy::transport {

class TcpTransport final : public Transport {
public:
  // Accepts one pending connection on `server`. nullptr when the accept failed (the half-made
  // transport closes and frees itself).
  static TcpTransport* accept(IoLoop& io, uv_stream_t* server);
  // Starts a non-blocking connect to `addr`; connected() follows, as onTransportReady() or
  // onTransportEnd(ConnectFailed). nullptr when the connect cannot even start. A
  // `receive_buffer` above 0 sets SO_RCVBUF before the SYN, so the window is sized from the start.
  static TcpTransport* connect(IoLoop& io, const sockaddr_storage& addr, uint32_t receive_buffer);

private:
  TcpTransport(IoLoop& io, Phase phase);
  ~TcpTransport() override = default;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  bool sendNow(std::initializer_list<std::string_view> parts) override;
  size_t pendingBytes() const override;
  void readOn() override;
  void readOff() override;
  bool shutdownWrite() override;
  int closeHandles() override;

  static void onAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_stream_t* s, int status);
  static void onConnect(uv_connect_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onClosed(uv_handle_t* h);

  uv_tcp_t tcp_;
  uv_shutdown_t shutdown_;  // the lingering close's half-close
  bool reading_ = false;
};

} // namespace tether::proxy::transport
