#pragma once
// FakeUpstream: a scriptable HTTP/1.1 origin server on 127.0.0.1 for integration tests (the
// HAProxy .vtc "server s1" idea). It names itself in every response (`X-Upstream: <name>`) and
// records every request it fully received: the raw bytes exactly as they came off the wire and
// the parsed method, target, headers and (de-chunked) body.
//
// Threads: one accept thread plus one thread per accepted connection, all plain blocking-style
// POSIX I/O with poll() timeouts, entirely separate from tether's loops. Every public method is
// thread-safe. stop() (also run by the destructor) wakes every thread through a pipe and joins
// them, so no wait inside is unbounded.
//
// Behaviour per request = the next queued one-shot Behavior (pushBehavior), else the responder
// function (setResponder), else the default (setBehavior). Keep-alive and pipelining work as in a
// normal server; a request with `Connection: close` (or HTTP/1.0 without keep-alive) gets a
// `Connection: close` reply and the connection is closed.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_message.h"
#include "tests/support/socket_util.h"

namespace tether::test {

struct RecordedRequest {
  std::string raw;  // head + body bytes exactly as received (chunk framing included)
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.1"
  HeaderList headers;
  std::string body;     // decoded
  bool chunked = false;
  HeaderList trailers;
  uint64_t connection_id = 0;      // 1-based, in accept order
  uint32_t index_on_connection = 0;  // 0 for the first request on its connection
};

struct Behavior {
  enum class Action {
    Respond = 0,      // a normal response after `delay`
    Hang,             // never answer; keep the connection open until the peer or stop() closes it
    Close,            // close (FIN) without sending anything
    Reset,            // close with RST (SO_LINGER 0) without sending anything
    Garbage,          // send `garbage` (not HTTP) and keep the connection open
    CloseMidResponse, // send the head and `partial_body_bytes` of the body, then close (FIN)
    StallMidResponse, // send the head and `partial_body_bytes` of the body, then hang
    Upgrade,          // answer 101 Switching Protocols, then echo every byte back until closed
  };
  enum class Framing {
    ContentLength = 0,
    Chunked,
    CloseDelimited,  // no length; the end of the body is the end of the connection
  };

  Action action = Action::Respond;
  std::chrono::milliseconds delay{0};  // before the first response byte
  int status = 200;
  std::string reason;  // empty: a standard phrase for `status`
  HeaderList headers;  // extra response headers
  std::string body = "ok";
  size_t generated_body_bytes = 0;  // > 0: body is patternBody(n) instead of `body`, streamed
  Framing framing = Framing::ContentLength;
  size_t chunk_size = 7;  // Framing::Chunked: bytes per chunk (small, to get several chunks)
  size_t partial_body_bytes = 0;  // CloseMidResponse / StallMidResponse
  std::string garbage = "THIS IS NOT HTTP\x01\x02\xff\r\n\r\n";
  bool close_after = false;      // send `Connection: close` and close after this response
  bool body_for_head = false;    // misbehave: send the body even for HEAD
  std::string trailing_bytes;    // misbehave: raw bytes sent right after the complete response
  int sndbuf = 0;  // > 0: SO_SNDBUF for this connection before the response (backpressure tests)

  static Behavior respond(int status = 200, std::string body = "ok");
  static Behavior of(Action action);
};

class FakeUpstream {
public:
  using Responder = std::function<Behavior(const RecordedRequest&)>;

  // Binds 127.0.0.1:`port` (0 = any free port) and starts serving at once.
  explicit FakeUpstream(std::string name, uint16_t port = 0);
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  const std::string& name() const { return name_; }
  uint16_t port() const { return port_; }
  bool listening() const { return listen_fd_.valid(); }

  void setBehavior(Behavior behavior);
  void pushBehavior(Behavior behavior);
  void setResponder(Responder responder);

  std::vector<RecordedRequest> requests() const;
  size_t requestCount() const;
  // True once at least `n` requests were recorded.
  bool waitForRequests(size_t n, std::chrono::milliseconds timeout) const;

  uint64_t connectionCount() const;
  bool waitForConnections(uint64_t n, std::chrono::milliseconds timeout) const;
  // Connections the peer closed (EOF or reset seen while reading).
  uint64_t peerClosedCount() const;
  bool waitForPeerClosed(uint64_t n, std::chrono::milliseconds timeout) const;
  // Bytes that started arriving but never formed a parseable request (tether sent junk).
  uint64_t malformedCount() const;

  // Response body bytes handed to the kernel so far, summed over all connections.
  uint64_t bodyBytesSent() const;
  // True once a body write has waited > 100 ms for the socket to become writable: the peer
  // (tether) stopped reading, i.e. backpressure reached this upstream.
  bool waitForWriteStall(std::chrono::milliseconds timeout) const;

  // Wakes and joins every thread, closes every socket. Idempotent.
  void stop();

private:
  friend class UpstreamSession;  // one per accepted connection, on its own thread

  void acceptLoop();
  Behavior behaviorFor(const RecordedRequest& request);
  void record(RecordedRequest request);
  void notePeerClosed();
  void noteMalformed();
  void noteWriteStall();
  void notifyAll();

  std::string name_;
  uint16_t port_ = 0;
  UniqueFd listen_fd_;
  UniqueFd wake_read_;
  UniqueFd wake_write_;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::thread> connection_threads_;
  std::vector<RecordedRequest> requests_;
  Behavior default_behavior_;
  std::deque<Behavior> queued_;
  Responder responder_;
  uint64_t connections_ = 0;
  uint64_t peer_closed_ = 0;
  uint64_t malformed_ = 0;
  bool write_stalled_ = false;
  std::atomic<uint64_t> body_bytes_sent_{0};
};

} // namespace tether::test
