#pragma once
// DownstreamConnection: one client connection. Parses requests (llhttp, strict), routes each one,
// streams its body to an UpstreamConnection and streams the response back, one exchange at a time
// (pipelined requests wait in `pending_` and are answered in order). After a 101 it becomes a byte
// tunnel.
//
// Backpressure both ways: when the upstream's queued request bytes pass its high-water mark the
// client is not read; when the client's queued response bytes pass kHighWater the upstream is not
// read. Memory per connection is therefore bounded whatever the peers' speeds.
//
// Loop thread only. Owns its uv_tcp_t, uv_timer_t and uv_shutdown_t; the only way to destroy it is
// close(), and it is freed in the last close callback. Errors become responses through
// error_response.h only.

#include <uv.h>

#include <chrono>
#include <string>

#include "proxy/generation.h"
#include "proxy/error_response.h"
#include "proxy/http1_parser.h"
#include "proxy/message_rewriter.h"
#include "proxy/upstream_connection.h"
#include "proxy/worker.h"

namespace tether::proxy {

class DownstreamConnection : public Http1Parser::Handler,
                             public UpstreamConnection::Handler,
                             public WriteBatch::Member {
public:
  explicit DownstreamConnection(Worker& worker);
  DownstreamConnection(const DownstreamConnection&) = delete;
  DownstreamConnection& operator=(const DownstreamConnection&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  void start();
  // Shutdown: close now if idle, else after the exchange in progress.
  void stopGracefully();
  void close();

  // Http1Parser::Handler
  Http1Parser::HeadAction onHead(HttpHead& head) override;
  bool onBody(std::string_view data) override;
  void onMessageComplete() override;

  // UpstreamConnection::Handler
  void onUpstreamHead(const HttpHead& head) override;
  void onUpstreamBody(std::string_view data) override;
  void onUpstreamComplete() override;
  void onUpstreamError(ProxyError error, bool response_started) override;
  void onUpstreamDrained() override;
  void onTunnelData(std::string_view data) override;
  void onTunnelEof() override;
  void onUpstreamReadBegin() override { corked_ = true; }
  void onUpstreamReadEnd() override;

  // WriteBatch::Member
  void flushBatched() override { flush(); }

private:
  enum class Timer { None = 0, Header, Idle, Body, Linger };

  ~DownstreamConnection() = default;

  void onReadImpl(ssize_t nread, const uv_buf_t* buf);
  void feed(const char* data, size_t len);
  bool startExchange(HttpHead& head);
  bool connectUpstream();
  // Routes the request (skipping backends already tried), builds its upstream head, connects.
  bool routeAndConnect(const HttpHead& head);
  void reject(ProxyError error);
  void finishExchange();
  void logExchange(std::string_view reason_override = {});
  void resetExchange();
  void learnFromResponse(const HttpHead& head);
  void releaseLoad();
  // Metrics for the exchange that just ended (any outcome); called by logExchange().
  void recordExchange(std::string_view error, std::chrono::microseconds took);
  // Passive health: what this exchange said about its backend.
  void reportBackendHealth(bool ok);
  health::TrafficShard& traffic() {
    return generation_->backends->record(backend_).traffic(worker_.index());
  }
  void write(std::string_view a, std::string_view b = {}, std::string_view c = {});
  void flush();
  size_t outstanding() const;
  void closeAfterFlush();
  void startLinger();
  void armTimer(Timer kind, std::chrono::milliseconds ms);
  void startReading();
  void stopReading();
  const config::Config& config() const { return generation_->snapshot->config; }
  const routing::Router& router() const { return *generation_->snapshot->router; }

  static void onAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_stream_t* s, int status);
  static void onTimer(uv_timer_t* t);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onClosed(uv_handle_t* h);

  Worker& worker_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_shutdown_t shutdown_req_;
  GenerationConstSharedPtr generation_;  // pinned for the whole exchange
  Http1Parser parser_;
  std::string peer_;
  std::string pending_;       // bytes read past the current request (pipelining, tunnel)
  std::string scratch_;       // head serialisation buffer, reused
  std::string out_;           // writes gathered while corked_ or batchQueued(), sent in one system call
  UpstreamConnection* upstream_ = nullptr;
  routing::BackendId backend_ = routing::kNoBackend;
  routing::RouteResult route_;
  uint64_t inflight_id_ = 0;  // stable id counted in RoutingState::inflight, 0 = none
  static constexpr size_t kMaxTried = 11;  // upstream.retries is at most 10
  routing::BackendId tried_[kMaxTried];
  uint8_t tried_count_ = 0;
  std::string_view reason_;
  std::chrono::steady_clock::time_point started_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  uint64_t request_length_ = 0;
  int status_ = 0;
  int pending_closes_ = 0;
  uint8_t upstream_attempts_ = 0;
  bool inflight_counted_ = false;  // this exchange is in its backend's in_flight count
  Timer timer_kind_ = Timer::None;
  BodyFraming request_framing_ = BodyFraming::None;
  BodyFraming response_framing_ = BodyFraming::None;
  bool closed_ = false;
  bool corked_ = false;        // inside an upstream read: gather its writes
  bool reading_ = false;
  bool in_exchange_ = false;     // a request head was accepted and its response is not done
  bool request_done_ = false;    // the client sent the whole request
  bool response_started_ = false;
  bool keep_alive_ = true;
  bool client_http10_ = false;
  bool head_request_ = false;
  bool upgrade_requested_ = false;
  bool tunnel_ = false;
  bool body_paused_ = false;     // client reads stopped for upstream backpressure
  bool upstream_paused_ = false; // upstream reads stopped for client backpressure
  bool closing_after_write_ = false;
  bool lingering_ = false;
  bool stop_requested_ = false;
};

} // namespace tether::proxy
