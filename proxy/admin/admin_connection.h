#pragma once
// AdminServer::Connection: AdminServer's per-connection HTTP/1.1 handling (the protocol rules are
// in admin_server.h). Private to AdminServer: only admin_server.cc and admin_connection.cc include
// this header. It reads AdminServer's settings (token, handler, idle timeout, closing) and, in its
// last close callback, removes itself from AdminServer's set.
//
// Loop thread only.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/admin/admin_server.h"
#include "proxy/http/http1_parser.h"
#include "proxy/transport/timed_connection.h"

namespace tether::proxy::admin {

// One admin client connection. A TimedConnection: owns its Transport and its timer (the idle
// timeout); the only way to destroy it is close() (or the end of the transport's lingering
// close), and it is freed once both are closed.
class AdminServer::Connection : public http::Http1Parser::Handler,
                                public transport::TimedConnection {
public:
  Connection(AdminServer& server, transport::Transport* transport);

  void start();
  void close() override;

  // http::Http1Parser::Handler
  http::Http1Parser::HeadAction onHead(http::HttpHead& head) override;
  bool onBody(std::string_view data) override;
  void onMessageComplete() override {}

  // transport::Transport::Handler
  void onTransportData(const char* data, size_t len) override;
  void onTransportEnd(transport::TransportEnd) override { close(); }
  void onTransportDrained() override;

private:
  // Replies find their connection through this; close() resets it, so a late reply is a no-op.
  struct Link {
    Connection* conn;
  };
  ~Connection() override = default;

  void drain();
  void dispatch();
  void onReply(uint64_t exchange, AdminResponse response);
  bool authorized(const http::HttpHead& head) const;
  // Writes one response; `closing` adds "Connection: close".
  void respond(const AdminResponse& response, bool closing);
  // Answers with a JSON error and closes after it; for requests that end the connection.
  void reject(int status, std::string_view message);
  // Debug log line for the request being answered; forgets its method and target.
  void logRequest(int status);
  void closeAfterFlush();
  // The idle timeout: no request bytes between or inside requests.
  void armIdleTimer();
  void onTimeout() override;
  void onFreed() override;

  AdminServer& server_;
  http::Http1Parser parser_;
  std::shared_ptr<Link> link_;
  std::string in_;          // bytes read and not parsed yet
  AdminRequest request_;    // being parsed
  std::string method_;      // for the debug log
  std::string target_;
  uint64_t exchange_ = 0;   // bumped per dispatched request; a reply must name the current one
  std::chrono::steady_clock::time_point started_;
  bool timer_armed_ = false;
  bool draining_ = false;
  bool awaiting_reply_ = false;
  bool ending_ = false;  // the last response is queued; the transport sends it and closes
  // Of the request being answered: how to frame the answer.
  struct {
    bool keep_alive = true;
    bool head = false;
    bool http10 = false;
  } answer_;
};

} // namespace tether::proxy::admin
