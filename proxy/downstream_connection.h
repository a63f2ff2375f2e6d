#pragma once
// DownstreamConnection: one client connection. Parses requests (llhttp, strict), routes each one,
// streams its body to an UpstreamConnection and streams the response back, one exchange at a time
// (pipelined requests wait in `pending_` and are answered in order). After a 101 it becomes a byte
// tunnel. The exchange's books (routing, loads, learning, passive health, metrics, the access
// log) are kept by its Exchange; this class moves the bytes.
//
// States, with every transition made by enter():
//   Idle      waiting for, or reading, a request head (timers: Idle between requests, Header
//             once a head has begun)
//   Exchange  a head was accepted; its body and its response are in progress (Body timer while
//             the client still sends); the two directions advance independently
//             (request_done_, response_started_)
//   Tunnel    after a 101: raw bytes both ways
//   Closing   the last response is queued; the transport sends it, lingers and closes
//   Closed    close() ran; waiting for the transport's and the timer's close callbacks
//   Idle -> Exchange -> Idle (keep-alive) | Tunnel | Closing; any -> Closing -> Closed.
//
// Backpressure both ways: when the upstream's queued request bytes pass its high-water mark the
// client is not read; when the client's queued response bytes pass the transport's high-water
// mark the upstream is not read. Memory per connection is therefore bounded whatever the peers'
// speeds.
//
// Loop thread only. A TimedConnection: owns its Transport and its timer; the only way to destroy
// it is close() (or the end of the transport's lingering close), and it is freed once both are
// closed.
// Errors become responses through http/error_response.h only.

#include <uv.h>

#include <chrono>
#include <string>

#include "proxy/exchange.h"
#include "proxy/http/http1_parser.h"
#include "proxy/http/request_checks.h"
#include "proxy/transport/timed_connection.h"
#include "proxy/upstream/upstream_connection.h"

namespace tether::proxy {

class Worker;

class DownstreamConnection : public http::Http1Parser::Handler,
                             public upstream::UpstreamConnection::Handler,
                             public transport::TimedConnection {
public:
  DownstreamConnection(Worker& worker, transport::Transport* transport);

  void start();
  // Shutdown: close now if idle, else after the exchange in progress.
  void stopGracefully();
  void close() override;

  // http::Http1Parser::Handler
  http::Http1Parser::HeadAction onHead(http::HttpHead& head) override;
  bool onBody(std::string_view data) override;
  void onMessageComplete() override;

  // upstream::UpstreamConnection::Handler
  void onUpstreamHead(const http::HttpHead& head) override;
  void onUpstreamBody(std::string_view data) override;
  void onUpstreamComplete() override;
  void onUpstreamError(http::ProxyError error, bool response_started) override;
  void onUpstreamDrained() override;
  void onTunnelData(std::string_view data) override;
  void onTunnelEof() override;

  // transport::Transport::Handler
  void onTransportData(const char* data, size_t len) override;
  void onTransportEnd(transport::TransportEnd) override { clientGone(); }
  void onTransportDrained() override;

private:
  enum class State : uint8_t { Idle = 0, Exchange, Tunnel, Closing, Closed };
  enum class Timer : uint8_t { None = 0, Header, Idle, Body };

  ~DownstreamConnection() override = default;

  void enter(State next);
  void feed(const char* data, size_t len);
  bool startExchange(http::HttpHead& head);
  // Routes the request (skipping backends already tried), then connects and sends its head.
  bool routeAndConnect(const http::HttpHead& head);
  bool connectUpstream();
  void reject(http::ProxyError error);
  void finishExchange();
  void clientGone();
  // Backpressure: stop reading the upstream while the client is backlogged.
  void pauseUpstreamIfBacklogged();
  void armTimer(Timer kind, std::chrono::milliseconds ms);
  void disarmTimer();
  void onTimeout() override;
  void onFreed() override;
  const config::Config& config() const { return exchange_.config(); }

  Worker& worker_;
  http::Http1Parser parser_;
  Exchange exchange_;
  std::string pending_;  // bytes read past the current request (pipelining, tunnel)
  upstream::UpstreamConnection* upstream_ = nullptr;
  http::RequestFacts request_;  // of the exchange in progress
  http::BodyFraming response_framing_ = http::BodyFraming::None;
  State state_ = State::Idle;
  Timer timer_kind_ = Timer::None;
  uint8_t stale_retries_ = 0;     // resends after a pooled connection turned out closed
  bool request_done_ = false;     // the client sent the whole request
  bool response_started_ = false; // a response head went to the client
  bool keep_alive_ = true;
  bool stop_requested_ = false;
  bool client_paused_ = false;    // the client is not read while the upstream is backlogged
  bool upstream_paused_ = false;  // the upstream is not read while the client is backlogged
};

} // namespace tether::proxy
