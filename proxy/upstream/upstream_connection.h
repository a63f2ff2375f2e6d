#pragma once
// UpstreamConnection: one connection from a worker to a backend, speaking HTTP/1.1 over a
// Transport (TCP in production, in memory in tests).
//
// Lifecycle: made by UpstreamPool (connecting) -> attached to one client connection for one
// exchange -> either released to the pool (only when the exchange finished cleanly: complete
// request sent, complete response with explicit framing, keep-alive on both ends, no stray
// bytes) or closed. After a 101 it becomes a raw byte tunnel and is never pooled again.
// Bytes handed to send() go out with every other write of the loop iteration (the transport's
// writeDeferred); before the connect completes the transport holds them.
//
// One timer does three jobs, by state: the connect timeout (Connecting), the response timeout
// (Active, armed once the request is complete and re-armed by each read that leaves the response
// incomplete), and the idle timeout of a pooled connection (Idle).
//
// Loop thread only. A TimedConnection: owns its Transport and its timer; the only way to destroy
// it is close(), and it is freed once both are closed.

#include <uv.h>

#include <string>
#include <string_view>

#include "proxy/http/error_response.h"
#include "proxy/http/http1_parser.h"
#include "proxy/transport/timed_connection.h"

namespace tether::proxy::upstream {

class UpstreamPool;

class UpstreamConnection : public http::Http1Parser::Handler,
                           public transport::TimedConnection {
public:
  // Events for the client connection currently attached. After a 101 head the connection is a
  // raw tunnel: bytes arrive through onTunnelData and onTunnelEof ends it.
  class Handler {
  public:
    virtual ~Handler() = default;
    virtual void onUpstreamHead(const http::HttpHead& head) = 0;
    virtual void onUpstreamBody(std::string_view data) = 0;
    virtual void onUpstreamComplete() = 0;
    // The exchange failed. `response_started` tells whether a head was already delivered.
    virtual void onUpstreamError(http::ProxyError error, bool response_started) = 0;
    // Queued request bytes fell below the low-water mark: resume reading the client.
    virtual void onUpstreamDrained() = 0;
    virtual void onTunnelData(std::string_view data) = 0;
    virtual void onTunnelEof() = 0;
  };

  UpstreamConnection(uv_loop_t* loop, UpstreamPool& pool, std::string pool_key);

  // Takes the transport the pool's connector is connecting, or null when the connect could not
  // start; failures arrive as onUpstreamError(UpstreamConnectFailed), never from inside this call.
  void connect(transport::Transport* transport, uint64_t timeout_ms);

  // Starts an exchange for `handler`. `head_request`: the response has no body whatever it says.
  void attach(Handler* handler, bool head_request);
  // Detaches without events; the pool decides whether to keep the connection.
  void detach() { handler_ = nullptr; }

  void send(std::string_view a, std::string_view b = {}, std::string_view c = {});
  // All request bytes were handed to send(); arms the response timeout.
  void requestComplete(uint64_t response_timeout_ms);
  // More request bytes queued than the high-water mark: stop reading the client until
  // onUpstreamDrained().
  bool backlogged() { return transport() && transport()->backlogged(); }
  // The client is backlogged: stop reading the response until it drained (true), then resume.
  void pauseReading(bool paused);

  bool reusable() const;
  bool wasReused() const { return exchanges_ > 1; }
  const std::string& poolKey() const { return pool_key_; }

  // Pool side.
  void becomeIdle(uint64_t idle_timeout_ms);
  void close() override;

  // http::Http1Parser::Handler
  http::Http1Parser::HeadAction onHead(http::HttpHead& head) override;
  bool onBody(std::string_view data) override;
  void onMessageComplete() override;

  // transport::Transport::Handler
  void onTransportReady() override;
  void onTransportData(const char* data, size_t len) override;
  void onTransportEnd(transport::TransportEnd end) override;
  void onTransportDrained() override;

private:
  enum class State { Connecting = 0, Active, Idle, Tunnel, Closed };
  enum class Response : uint8_t { Waiting = 0, Started, Done };
  // The exchange in progress; attach() starts it afresh.
  struct Progress {
    bool head_request = false;  // the response has no body whatever it says
    bool request_done = false;  // every request byte was handed to send()
    Response response = Response::Waiting;
  };

  ~UpstreamConnection() override = default;
  void fail(http::ProxyError error);
  // The connect, response or idle timeout, by state.
  void onTimeout() override;
  void updateReading();

  UpstreamPool& pool_;
  std::string pool_key_;
  uint64_t response_timeout_ms_ = 0;  // what the timer waits once the request is complete
  http::Http1Parser parser_;
  Handler* handler_ = nullptr;
  State state_ = State::Connecting;
  uint32_t exchanges_ = 0;
  bool read_paused_ = false;
  bool clean_ = true;  // false after any anomaly: never pooled again
  Progress progress_;
};

} // namespace tether::proxy::upstream
