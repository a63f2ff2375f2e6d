#pragma once
// UpstreamConnection: one TCP connection from a worker to a backend, speaking HTTP/1.1.
//
// Lifecycle: created by UpstreamPool (connecting) -> attached to one DownstreamConnection for one
// exchange -> either released to the pool (only when the exchange finished cleanly: complete
// request sent, complete response with explicit framing, keep-alive on both ends, no stray bytes)
// or closed. After a 101 it becomes a raw byte tunnel and is never pooled again.
// Bytes handed to send() are gathered and written once per loop iteration through the worker's
// WriteBatch; before the connect completes they are held and written on connect.
//
// Loop thread only. Owns its uv_tcp_t and uv_timer_t; the only way to destroy it is close(), and
// memory is freed in the last close callback (style.md §4.9).

#include <uv.h>

#include <string>
#include <string_view>

#include "proxy/error_response.h"
#include "proxy/http1_parser.h"
#include "proxy/write_batch.h"

namespace tether::proxy {

class Worker;
class UpstreamPool;

class UpstreamConnection : public Http1Parser::Handler, public WriteBatch::Member {
public:
  // Events for the DownstreamConnection currently attached. After a 101 head the connection is a
  // raw tunnel: bytes arrive through onTunnelData and onTunnelEof ends it.
  class Handler {
  public:
    virtual ~Handler() = default;
    virtual void onUpstreamHead(const HttpHead& head) = 0;
    virtual void onUpstreamBody(std::string_view data) = 0;
    virtual void onUpstreamComplete() = 0;
    // The exchange failed. `response_started` tells whether a head was already delivered.
    virtual void onUpstreamError(ProxyError error, bool response_started) = 0;
    // Queued request bytes fell below the low-water mark: resume reading the client.
    virtual void onUpstreamDrained() = 0;
    virtual void onTunnelData(std::string_view data) = 0;
    virtual void onTunnelEof() = 0;
    // Bracket the events of one read, so the handler can gather the writes they cause into one
    // system call (a response head and its first body bytes usually arrive together).
    virtual void onUpstreamReadBegin() {}
    virtual void onUpstreamReadEnd() {}
  };

  // `family` (AF_INET/AF_INET6) creates the socket now, so options can be set before connect.
  UpstreamConnection(Worker& worker, UpstreamPool& pool, std::string pool_key, int family);
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  // Starts a non-blocking connect; failures arrive as onUpstreamError(UpstreamConnectFailed).
  // `receive_buffer` > 0 sets SO_RCVBUF before the SYN, so the window is sized from the start.
  void connect(const sockaddr_storage& addr, uint64_t timeout_ms, uint32_t receive_buffer);

  // Starts an exchange for `handler`. `head_request`: the response has no body whatever it says.
  void attach(Handler* handler, bool head_request);
  // Detaches without events; the pool decides whether to keep the connection.
  void detach() { handler_ = nullptr; }

  void send(std::string_view a, std::string_view b = {}, std::string_view c = {});
  // All request bytes were handed to send(); arms the response timeout.
  void requestComplete(uint64_t response_timeout_ms);
  bool backlogged() const;
  void pauseReading();
  void resumeReading();

  bool reusable() const;
  bool wasReused() const { return exchanges_ > 1; }
  const std::string& poolKey() const { return pool_key_; }

  // Pool side.
  void becomeIdle(uint64_t idle_timeout_ms);
  void close();

  // Http1Parser::Handler
  Http1Parser::HeadAction onHead(HttpHead& head) override;
  bool onBody(std::string_view data) override;
  void onMessageComplete() override;

  // WriteBatch::Member
  void flushBatched() override { flushPending(); }

private:
  enum class State { Connecting = 0, Active, Idle, Tunnel, Closed };

  ~UpstreamConnection() = default;
  void fail(ProxyError error);
  void onReadImpl(ssize_t nread, const uv_buf_t* buf);
  void onTimerImpl();
  void flushPending();
  void armTimer(uint64_t ms);
  void startReading();

  static void onConnect(uv_connect_t* req, int status);
  static void onAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_stream_t* s, int status);
  static void onTimer(uv_timer_t* t);
  static void onClosed(uv_handle_t* h);

  Worker& worker_;
  UpstreamPool& pool_;
  std::string pool_key_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_connect_t connect_req_;
  Http1Parser parser_;
  Handler* handler_ = nullptr;
  State state_ = State::Connecting;
  std::string pending_;  // bytes handed to send() and not yet written
  uint64_t response_timeout_ms_ = 0;
  uint32_t exchanges_ = 0;
  int pending_closes_ = 0;
  bool reading_ = false;
  bool read_paused_ = false;
  bool head_request_ = false;
  bool request_done_ = false;
  bool response_started_ = false;
  bool response_done_ = false;
  bool clean_ = true;  // false after any anomaly: never pooled again
  bool was_backlogged_ = false;
};

} // namespace tether::proxy
