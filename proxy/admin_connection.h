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

#include "proxy/admin_server.h"
#include "proxy/http1_parser.h"

namespace tether::proxy {

// One admin client connection. Owns its uv_tcp_t, uv_timer_t and uv_shutdown_t; the only way to
// destroy it is close(), and it is freed in the last close callback.
class AdminServer::Connection : public Http1Parser::Handler {
public:
  explicit Connection(AdminServer& server);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  void start();
  void close();

  // Http1Parser::Handler
  Http1Parser::HeadAction onHead(HttpHead& head) override;
  bool onBody(std::string_view data) override;
  void onMessageComplete() override {}

private:
  // Replies find their connection through this; close() resets it, so a late reply is a no-op.
  struct Link {
    Connection* conn;
  };
  enum class Timer { None = 0, Idle, Linger };

  ~Connection() = default;

  void onReadImpl(ssize_t nread);
  void drain();
  void dispatch();
  void onReply(uint64_t exchange, AdminResponse response);
  bool authorized(const HttpHead& head) const;
  // Writes one response; `closing` adds "Connection: close".
  void respond(const AdminResponse& response, bool closing);
  // Answers with a JSON error and closes after it; for requests that end the connection.
  void reject(int status, std::string_view message);
  // Debug log line for the request being answered; forgets its method and target.
  void logRequest(int status);
  void closeAfterFlush();
  void startLinger();
  void armTimer(Timer kind, std::chrono::milliseconds ms);
  void startReading();
  void stopReading();

  static void onAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_stream_t* s, int status);
  static void onTimer(uv_timer_t* t);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onClosed(uv_handle_t* h);

  AdminServer& server_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_shutdown_t shutdown_req_;
  Http1Parser parser_;
  std::shared_ptr<Link> link_;
  std::string in_;          // read buffer; bytes [0, in_len_) are not parsed yet
  size_t in_len_ = 0;
  AdminRequest request_;    // being parsed
  std::string method_;      // for the debug log
  std::string target_;
  std::string peer_;
  std::chrono::steady_clock::time_point started_;
  uint64_t exchange_ = 0;   // bumped per dispatched request; a reply must name the current one
  int pending_closes_ = 0;
  Timer timer_kind_ = Timer::None;
  bool closed_ = false;
  bool reading_ = false;
  bool draining_ = false;
  bool awaiting_reply_ = false;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool http10_ = false;
  bool ending_ = false;               // the last response is written; no more requests
  bool closing_after_write_ = false;  // ending_, waiting for the write queue to empty
  bool lingering_ = false;            // write side shut down; discarding until EOF or timeout
};

} // namespace tether::proxy
