#pragma once
// MemoryProxy: one tether worker driven on the test's own thread, with its clients and backends
// in memory (proxy/transport/memory_transport.h). A whole client connection runs through
// tether's real connection code (parsing, routing, the upstream exchange, the response) with no
// socket and no thread, deterministically; the harness the fuzzers build on.
//
// - connect() opens a client connection; its MemoryPeer sends request bytes in chunks of the
//   sizes the test picks, and collects what tether answers.
// - Each configured backend is a MemoryBackend at its configured address: it parses requests
//   strictly (tests/support/http_message.h, not llhttp) and answers with what its responder
//   returns, or refuses connections.
// - run() / runUntil() turn the worker's loop; timers are real, so a test of a timeout waits for
//   it (keep such timeouts short).
// Teardown stops the worker, runs its loop to completion and REQUIREs that no handle leaked.
//
// Test thread only.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_model.h"
#include "proxy/access_log.h"
#include "proxy/admin/worker_metrics.h"
#include "proxy/generation.h"
#include "proxy/transport/memory_transport.h"
#include "proxy/worker.h"
#include "tests/support/http_message.h"

namespace tether::test {

// One HTTP message read back from bytes a MemoryPeer received.
struct ParsedMessage {
  std::string start_line;
  HeaderList headers;
  std::string body;    // decoded
  int status = 0;      // responses
  std::string method;  // requests
  std::string target;
  size_t length = 0;   // bytes the whole message took
};

// The first complete message at the front of `bytes`; nullopt while it is incomplete (or
// malformed: `error` then says why). `bodiless`: a response to HEAD (no body whatever it says).
std::optional<ParsedMessage> parseMessage(std::string_view bytes, bool bodiless = false,
                                          std::string* error = nullptr);
// Every complete message in `bytes`, in order.
std::vector<ParsedMessage> parseMessages(std::string_view bytes);

class MemoryBackend {
public:
  // Raw response bytes for a request; "" leaves the request unanswered.
  using Responder = std::function<std::string(const ParsedMessage& request)>;

  explicit MemoryBackend(std::string name);

  // The default answers "200 OK" with body "ok" and `X-Backend: <name>`.
  void setResponder(Responder responder) { responder_ = std::move(responder); }
  // While refusing, new connections fail as a refused connect would.
  void refuse(bool refusing) { refusing_ = refusing; }

  const std::string& name() const { return name_; }
  const std::vector<ParsedMessage>& requests() const { return requests_; }
  size_t connections() const { return peers_.size(); }
  // The server side of every connection tether made, in order.
  const std::vector<proxy::transport::MemoryPeerSharedPtr>& peers() const { return peers_; }
  // "HTTP/1.1 <status> X\r\nContent-Length: ..\r\nX-Backend: <name>\r\n<extra>\r\n<body>".
  std::string response(int status, std::string_view body, std::string_view extra_fields = {}) const;

  // For MemoryConnector::listen.
  proxy::transport::MemoryPeerSharedPtr accept();

private:
  void onReceive(proxy::transport::MemoryPeer& peer, std::string& buffer);

  std::string name_;
  Responder responder_;
  bool refusing_ = false;
  std::vector<ParsedMessage> requests_;
  std::vector<proxy::transport::MemoryPeerSharedPtr> peers_;
  std::vector<std::unique_ptr<std::string>> buffers_;  // per connection, unparsed request bytes
};

class MemoryProxy {
public:
  // `config.backends` are served by MemoryBackends named like them, at their addresses.
  explicit MemoryProxy(config::Config config);
  ~MemoryProxy();
  MemoryProxy(const MemoryProxy&) = delete;
  MemoryProxy& operator=(const MemoryProxy&) = delete;

  // A new client connection from `peer_address`; its bytes reach tether in chunks of `chunks`
  // (cycled; empty = each send() whole).
  proxy::transport::MemoryPeerSharedPtr connect(std::vector<size_t> chunks = {},
                                                std::string peer_address = "192.0.2.10");
  MemoryBackend& backend(const std::string& name);

  // Turns the loop without blocking, `iterations` times.
  void run(int iterations = 50);
  // Turns the loop until `done()` holds (blocking for timers when nothing else is due), for at
  // most `timeout`. Returns done().
  bool runUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  // Sends `request` on `client`, and runs until one complete final response (or a 101) arrived;
  // returns it.
  std::optional<ParsedMessage> exchange(proxy::transport::MemoryPeer& client,
                                        std::string_view request);

  proxy::Worker& worker() { return *worker_; }
  proxy::transport::MemoryConnector& connector() { return connector_; }
  const proxy::admin::WorkerMetrics& metrics() const { return metrics_; }
  const config::Config& config() const { return generation_->snapshot->config; }
  // Stops the worker and checks its loop closed cleanly. Idempotent; the destructor calls it.
  void stop();

private:
  proxy::transport::MemoryConnector connector_;
  std::map<std::string, std::unique_ptr<MemoryBackend>> backends_;
  std::unique_ptr<routing::RoutingState> routing_state_;
  proxy::GenerationConstSharedPtr generation_;
  std::unique_ptr<proxy::AccessLog> access_log_;
  proxy::admin::WorkerMetrics metrics_;
  std::unique_ptr<proxy::Worker> worker_;
  bool stopped_ = false;
};

} // namespace tether::test
