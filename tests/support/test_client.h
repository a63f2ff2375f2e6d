#pragma once
// TestClient: one raw TCP client connection to 127.0.0.1:port that sends exactly the bytes a test
// gives it (malformed ones included) and parses responses strictly and independently of tether.
//
// Interim responses are explicit: readResponse() returns whatever response comes next, 1xx
// included; readFinalResponse() skips 100/102/103 (kept in HttpResponse::interim) and returns the
// first final response. 101 Switching Protocols counts as final: bytes after it are tunnel data.
//
// Single-threaded: one TestClient belongs to one thread at a time. Every read takes a timeout; a
// failed read leaves the reason in lastError() for the test's INFO/CAPTURE.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/http_message.h"
#include "tests/support/socket_util.h"

namespace tether::test {

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::string body;  // decoded (chunk framing removed)
  HeaderList trailers;
  bool chunked = false;
  bool close_delimited = false;  // no length: the body ended with the connection
  // False when the head arrived but the body did not finish (peer closed early, or timeout).
  bool complete = false;
  std::vector<HttpResponse> interim;  // 1xx seen before this one (readFinalResponse only)
};

struct ClientOptions {
  int rcvbuf = 0;  // > 0: SO_RCVBUF before connect (a small window for backpressure tests)
  Millis connect_timeout{2000};
};

class TestClient {
public:
  static constexpr Millis kDefaultTimeout{3000};

  explicit TestClient(uint16_t port, ClientOptions options = {});
  TestClient(TestClient&&) = default;
  TestClient& operator=(TestClient&&) = default;

  bool connected() const { return fd_.valid(); }
  int connectErrno() const { return connect_errno_; }

  // Sends all bytes. False when the peer is gone or the timeout passed.
  bool send(std::string_view bytes, Millis timeout = kDefaultTimeout);
  // Sends one byte every `gap`. Stops early and returns false as soon as the peer closes or sends
  // anything (e.g. a 408); what it sent is in bytesTrickled().
  bool sendTrickled(std::string_view bytes, Millis gap);
  size_t bytesTrickled() const { return trickled_; }

  // The next response, 1xx included. `head_request`: the request was HEAD, so there is no body.
  // nullopt when no complete head arrived in time (see lastError()).
  std::optional<HttpResponse> readResponse(Millis timeout = kDefaultTimeout,
                                           bool head_request = false);
  // The next final response (101 and >= 200); 1xx before it land in `interim`.
  std::optional<HttpResponse> readFinalResponse(Millis timeout = kDefaultTimeout,
                                                bool head_request = false);
  // send() + readFinalResponse(); a request starting with "HEAD " is read as HEAD.
  std::optional<HttpResponse> roundTrip(std::string_view request,
                                        Millis timeout = kDefaultTimeout);

  // Exactly `n` bytes (buffered ones first), or nullopt on close/timeout.
  std::optional<std::string> readExactly(size_t n, Millis timeout = kDefaultTimeout);
  // Everything until the peer closes; bytes so far if the timeout passes first (lastError() set).
  std::string readAll(Millis timeout = kDefaultTimeout);
  // True once the peer closed (FIN or RST) within `timeout`. Bytes that arrive meanwhile are kept
  // in buffered().
  bool isClosedByPeer(Millis timeout = kDefaultTimeout);
  bool peerClosed() const { return peer_closed_; }
  // True when nothing arrives and the peer does not close within `window`.
  bool staysQuiet(Millis window);

  void shutdownWrite();
  void close() { fd_.reset(); }
  // Closes with an RST (SO_LINGER 0): the peer's next write fails with ECONNRESET/EPIPE.
  void abort() { closeWithReset(fd_); }

  const std::string& buffered() const { return buf_; }
  const std::string& lastError() const { return error_; }
  int fd() const { return fd_.get(); }

private:
  enum class Fill { Data = 0, Timeout, Closed };
  Fill fill(Clock::time_point deadline);

  UniqueFd fd_;
  int connect_errno_ = 0;
  std::string buf_;
  bool peer_closed_ = false;
  size_t trickled_ = 0;
  std::string error_;
};

} // namespace tether::test
