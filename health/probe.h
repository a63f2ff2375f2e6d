#pragma once
// Probe: one active health-check attempt against one backend, and its ProbeResult.
//
// An attempt is a fresh TCP connection (Pingora's reason for not reusing one: a pooled connection
// proves that an old socket still works, not that the backend accepts new ones), bounded by one
// timeout that covers connect and answer. What "answer" means is the subclass's business:
// TcpProbe is done once connected, HttpProbe sends a GET and reads the status line.
//
// Loop thread only. Ownership: heap-allocated with `new`, then start() exactly
// once; from then on the object owns a uv_tcp_t and a uv_timer_t and frees itself in the last
// close callback, after which it calls `on_closed`. The owner keeps a non-owning pointer and
// either waits for the result or calls close() to abandon the attempt.
//
// Result delivery: `on_result` runs exactly once, unless close() came first, and never from inside
// start() (a callback never runs inside the call that caused it): an error libuv reports synchronously is delivered from a 0 ms timer. The
// handles are already closing when `on_result` runs, so the owner may close() or forget the probe
// from inside it. Failures are values (ProbeResult), never exceptions.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace tether::health {

struct ProbeResult {
  enum class Code : uint8_t {
    Ok = 0,         // the check passed
    ConnectFailed,  // connect() failed (refused, unreachable, bad address, out of sockets)
    Timeout,        // connect + answer took longer than the timeout
    IoFailed,       // write or read error after connecting, or closed before answering
    BadResponse,    // http: not an HTTP/1.x status line (or longer than the read cap)
    BadStatus,      // http: a status outside [expect_min, expect_max]
  };
  Code code = Code::Ok;
  std::string detail;  // one short line for operators: "connect: connection refused", "status 503"

  bool ok() const { return code == Code::Ok; }
};

class Probe {
public:
  using OnResult = std::function<void(const ProbeResult&)>;
  using OnClosed = std::function<void()>;

  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Connects to `addr` (sockaddr_in or sockaddr_in6; copied) and arms the timeout.
  void start(const sockaddr* addr, std::chrono::milliseconds timeout, OnResult on_result,
             OnClosed on_closed);

  // Abandons the attempt: no result will be delivered; the handles close and the object frees
  // itself, then calls `on_closed`. Idempotent, and harmless after the result was delivered.
  // Only after start() (before it there are no handles to close).
  void close();

protected:
  explicit Probe(uv_loop_t* loop);
  virtual ~Probe() = default;  // only from onClosed

  // The connection is up. Subclasses either finish() or start their own I/O on tcp().
  virtual void onConnected() = 0;
  // Appended to "timeout after Nms" once connected ("awaiting status line").
  virtual const char* awaitingWhat() const { return "awaiting answer"; }

  // Delivers the result (first call wins) and closes the handles.
  void finish(ProbeResult::Code code, std::string detail);
  bool finished() const { return finished_; }
  uv_tcp_t* tcp() { return &tcp_; }

private:
  static void onConnect(uv_connect_t* req, int status) noexcept;
  static void onTimeout(uv_timer_t* timer) noexcept;
  static void onClosed(uv_handle_t* handle) noexcept;
  void closeHandles();

  uv_loop_t* loop_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_connect_t connect_req_;
  std::chrono::milliseconds timeout_{0};
  OnResult on_result_;
  OnClosed on_closed_;
  std::optional<ProbeResult> deferred_;  // a synchronous start() error, delivered by the timer
  bool started_ = false;
  bool connected_ = false;
  bool finished_ = false;
  bool closing_ = false;
  int pending_closes_ = 0;
};

} // namespace tether::health
