#pragma once
// Exchange: the books of one request/response exchange on a client connection, kept apart from
// the bytes (DownstreamConnection moves those):
// - routing: the generation the exchange is pinned to, what the router decided, and which
//   backends this request already failed on (a retry skips them);
// - load: the in-flight counts it holds, released exactly once;
// - what the response teaches: learn_cookie bindings, and the logouts that end them;
// - passive health: what the outcome says about the backend;
// - the record: metrics and the access-log line, written once when the exchange ends.
//
// Loop thread only. One per client connection, reset between its requests.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/generation.h"
#include "proxy/http/error_response.h"
#include "proxy/http/http_head.h"

namespace tether::proxy {

class Worker;

class Exchange {
public:
  explicit Exchange(Worker& worker);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const config::Config& config() const { return generation_->snapshot->config; }
  const routing::Router& router() const { return *generation_->snapshot->router; }

  // A request's first byte arrived: its duration counts from here.
  void markStart() { started_ = std::chrono::steady_clock::now(); }
  // Its head was accepted: pins the generation new requests get now, for the whole exchange.
  void begin();

  // Routes the request, skipping the backends it already failed on, and takes its loads. The
  // error to answer with, or nullopt when a backend was chosen.
  std::optional<http::ProxyError> route(const http::HttpHead& head, std::string_view peer);
  bool routed() const { return backend_ != routing::kNoBackend; }
  const routing::Backend& backend() const { return router().backends()[backend_]; }
  // One more candidate may be tried (upstream.retries, within a fixed ceiling).
  bool mayRetry() const;
  // Gives back the in-flight counts (before a retry, or when the exchange ends). Idempotent.
  void releaseLoad();

  // learn_cookie: binds the application's new session cookie to this backend, or forgets the
  // session the response deleted (a logout).
  void learnFromResponse(const http::HttpHead& response);
  // Appends tether's own "Set-Cookie: ...\r\n" when routing issued an affinity cookie.
  void appendAffinityCookie(std::string& fields) const;
  // Passive health: what this exchange says about its backend.
  void reportHealth(bool ok);

  void setStatus(int status) { status_ = status; }
  int status() const { return status_; }
  void addBytesIn(uint64_t n) { bytes_in_ += n; }
  uint64_t bytesIn() const { return bytes_in_; }
  void addBytesOut(uint64_t n) { bytes_out_ += n; }

  // The exchange ended, whatever the outcome: metrics and the access log. `error` names a
  // failure; without one the routing reason is logged.
  void finish(const http::HttpHead& request, std::string_view client, std::string_view error = {});
  // No exchange in progress; the pinned generation stays until the next begin().
  void reset();

private:
  health::TrafficShard& traffic();

  Worker& worker_;
  GenerationConstSharedPtr generation_;
  routing::RouteResult route_;
  routing::BackendId backend_ = routing::kNoBackend;
  uint64_t inflight_id_ = 0;  // stable id counted in RoutingState::inflight, 0 = none
  static constexpr size_t kMaxTried = 11;  // upstream.retries is at most 10
  routing::BackendId tried_[kMaxTried];
  uint8_t tried_count_ = 0;
  bool inflight_counted_ = false;  // this exchange is in its backend's in_flight count
  int status_ = 0;
  std::string_view reason_;
  std::chrono::steady_clock::time_point started_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
};

} // namespace tether::proxy
