#pragma once
// AdminServer: the admin listener's small HTTP/1.1 server. It parses requests, authenticates
// them and hands each one to an AdminHandler, which answers through an AdminReply now or later
// (e.g. after a reload finished). The endpoints themselves live with whoever owns the handler.
//
// Protocol, per connection:
// - keep-alive, one request at a time: a pipelined next request is parsed only after the reply
//   to the previous one was written; HTTP/1.0 keeps alive only with "Connection: keep-alive";
// - bodies only with Content-Length (chunked → 411), at most kMaxBodyBytes (413); the head at
//   most kMaxHeadBytes (431); malformed requests, or HTTP/1.1 without Host → 400; all of these,
//   like a 401, close the connection after the response;
// - `Expect: 100-continue` gets "100 Continue" once the head passed every check;
// - no request bytes for idle timeout (30 s, setIdleTimeout()) between or inside requests → close
//   (408 when a request was half received). The wait for the handler's reply is not timed, but
//   EOF or reset from the client closes the connection at once (its reply then does nothing);
// - every response carries Content-Type, Content-Length (except 204/304, RFC 9110 §8.6),
//   Cache-Control: no-store, and "Connection: close" when the connection closes after it.
// Error bodies are JSON objects {"error":"..."}. Each request is logged at debug level.
//
// Authentication: with a non-empty token every request needs "Authorization: Bearer <token>"
// (scheme case-insensitive, compared in constant time) or gets 401 + "WWW-Authenticate: Bearer"
// and the connection closes.
//
// Loop thread only (the handler runs there, and replies must be made there). Owns its listening
// uv_tcp_t and every connection (each owns a Transport and a uv_timer_t, and is freed once both
// are closed). close() is the only way down, also after a failed listen(); the destructor is for
// after close() completed (it aborts otherwise: freeing open handles would corrupt the loop).
// Errors are values: listen() returns the error text; I/O errors just close the connection.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "proxy/transport/io_loop.h"
#include "proxy/transport/transport.h"

namespace tether::proxy::admin {

struct AdminRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // target without the query, percent-decoding NOT applied
  std::string query;   // after '?', may be empty
  std::string body;    // whole body (bounded)
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // non-empty: an Allow field (405 answers say which methods would work)
};

// Call exactly once, on the loop thread, now or later (async, e.g. after a reload finished).
// Safe to call after the client went away (then it does nothing), even after the AdminServer was
// closed and destroyed. Calls after the first do nothing.
using AdminReply = std::function<void(AdminResponse)>;
using AdminHandler = std::function<void(const AdminRequest&, AdminReply)>;

// {"error":"<message>"} with `status`: how admin errors are answered.
AdminResponse adminError(int status, std::string_view message);

// Equality whose running time depends only on `provided`'s length, never on where it differs
// from `expected` (token checks).
bool constantTimeEquals(std::string_view provided, std::string_view expected);

class AdminServer {
public:
  static constexpr size_t kMaxHeadBytes = 16 * 1024;
  static constexpr size_t kMaxBodyBytes = 1024 * 1024;
  static constexpr std::chrono::milliseconds kDefaultIdleTimeout{30'000};
  // Connections beyond this are accepted and closed at once (the admin API has few clients).
  static constexpr size_t kMaxConnections = 128;

  // token "" = no authentication; else every request needs `Authorization: Bearer <token>`
  // (constant-time compare) or gets 401 with `WWW-Authenticate: Bearer` and a JSON error body.
  AdminServer(transport::IoLoop& io, std::string token, AdminHandler handler);
  ~AdminServer();  // only after close() has completed
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds host:port (IPv4 or IPv6 literal) and listens. Error text or nullopt; port 0 = pick.
  // Call at most once; after an error, close() is still required.
  std::optional<std::string> listen(const std::string& host, uint16_t port);
  uint16_t port() const { return port_; }
  // Serves one client connection over `transport` (what accepting does; tests hand over
  // in-memory transports). Beyond kMaxConnections, or after close(), it is closed at once.
  void adopt(transport::Transport* transport);
  // Stop listening, close every connection; `done` runs after the last close callback (never
  // from inside this call). Idempotent: every `done` passed runs once, in order.
  void close(std::function<void()> done);

  // For tests and embedding; takes effect the next time a connection's timer starts.
  void setIdleTimeout(std::chrono::milliseconds timeout) { idle_timeout_ = timeout; }
  size_t connectionCount() const { return connections_.size(); }

private:
  class Connection;  // one client connection; defined in admin_connection.h
  static void onConnection(uv_stream_t* server, int status);
  static void onListenerClosed(uv_handle_t* h);
  void maybeFinishClose();

  transport::IoLoop& io_;
  std::string token_;
  AdminHandler handler_;
  uv_tcp_t tcp_;
  std::chrono::milliseconds idle_timeout_ = kDefaultIdleTimeout;
  std::unordered_set<Connection*> connections_;
  std::vector<std::function<void()>> done_;
  uint16_t port_ = 0;
  bool listening_ = false;
  bool closing_ = false;
  bool listener_closed_ = false;
  bool finished_ = false;
};

} // namespace tether::proxy::admin
