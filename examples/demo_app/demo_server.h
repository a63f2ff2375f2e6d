#pragma once
// DemoServer: a small, fast HTTP/1.1 server that plays a legacy application keeping its login
// sessions in process memory (see login_sessions.h). It is the backend of the tether demo and of
// the throughput benchmarks, so the request path avoids per-request heap allocation: one shared
// read buffer, a per-connection output string that keeps its capacity, uv_try_write first.
//
// Endpoints: /login[?user=NAME] (GET, POST), /whoami, /logout, /health; anything else answers
// "hello from NAME". Every response carries X-Backend: NAME and Content-Length; keep-alive follows
// HTTP/1.x rules, pipelined requests are answered in order, request bodies are read and dropped.
//
// Loop thread only. Ownership: DemoServer owns its listener and signal handles; each accepted
// connection is a heap object owning its uv_tcp_t and freed only from its close callback.
// Lifecycle: listen() -> uv_run() -> SIGTERM/SIGINT (or close()) closes every handle, uv_run()
// returns, and only then may the DemoServer be destroyed (allClosed() says so).

#include <uv.h>

#include <cstdint>
#include <string>

#include "login_sessions.h"

namespace tether::demo {

class Connection;

class DemoServer {
public:
  DemoServer(uv_loop_t* loop, std::string name);
  ~DemoServer();
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  // Binds host:port (numeric IPv4 or IPv6; port 0 picks a free one), listens and installs the
  // SIGTERM/SIGINT handlers. Returns 0 or a negative libuv error code.
  int listen(const std::string& host, uint16_t port);
  // The bound port (useful after listen(host, 0)); 0 if not listening.
  uint16_t boundPort() const;

  // Stops accepting and closes every connection and signal handle. Idempotent.
  void close();
  bool allClosed() const { return pending_closes_ == 0 && connections_ == nullptr; }

  const std::string& name() const { return name_; }

private:
  friend class Connection;

  static void onConnection(uv_stream_t* listener, int status);
  static void onSignal(uv_signal_t* handle, int signum);
  static void onClosed(uv_handle_t* handle);
  void closeHandle(uv_handle_t* handle);
  void unlink(Connection* conn);

  uv_loop_t* loop_;
  std::string name_;
  std::string hello_body_;  // "hello from NAME\n", built once
  LoginSessions sessions_;
  uv_tcp_t listener_;
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  int pending_closes_ = 0;
  bool listening_ = false;
  bool closing_ = false;
  Connection* connections_ = nullptr;  // intrusive list, so shutdown can close them all

  // One read buffer for every connection. Safe because the loop is single-threaded and each read
  // is parsed completely inside its read callback (everything kept is copied out), so the buffer
  // is free again before the next alloc callback. This keeps an idle connection at a few hundred
  // bytes, unlike a proxy, which must keep the bytes it has not forwarded yet per connection.
  static constexpr size_t kReadBufferSize = 64 * 1024;
  char read_buffer_[kReadBufferSize];
};

} // namespace tether::demo
