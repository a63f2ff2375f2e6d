#pragma once
// Http1Parser: llhttp adapter. Turns llhttp's C callbacks into an HttpHead plus three events for
// its Handler, and hides llhttp.h from the rest of tether (Envoy's parser.h pattern).
//
// llhttp is built in strict mode (see CMakeLists.txt); no leniency flag is ever set, so obs-fold,
// bare LF, CL+TE, duplicate differing Content-Length and bad chunk sizes are parse errors.
// The parser pauses after every complete message: the owner handles one message at a time and
// resumes explicitly, which is how pipelined requests are answered in order.
// Loop thread only. Owned by a connection; no handles.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "proxy/http/http_head.h"

namespace tether::proxy::http {

class Http1Parser {
public:
  enum class Type { Request, Response };

  enum class HeadAction {
    Proceed = 0,   // body (if any) follows
    NoBody = 1,    // response to HEAD, 204, 304, 1xx: no body whatever the headers say
    Upgrade = 2,   // no body; the connection switches protocol after this head
    Abort = 3,     // owner rejected the head; execute() returns Status::Rejected
  };

  class Handler {
  public:
    virtual ~Handler() = default;
    virtual HeadAction onHead(HttpHead& head) = 0;
    // Return false to stop parsing (Status::Rejected).
    virtual bool onBody(std::string_view data) = 0;
    virtual void onMessageComplete() = 0;
  };

  enum class Status {
    Ok,           // everything consumed, message not complete yet (or idle)
    Paused,       // a message completed; `consumed` bytes were used, call resume() for the rest
    Upgraded,     // head with Upgrade done; bytes after `consumed` belong to the new protocol
    HeadTooLarge, // head exceeded the limit
    Rejected,     // owner said Abort/false
    Error,        // malformed input
  };

  struct Result {
    Status status;
    size_t consumed;
  };

  Http1Parser(Type type, Handler& handler, uint32_t max_head_bytes);
  ~Http1Parser();
  Http1Parser(const Http1Parser&) = delete;
  Http1Parser& operator=(const Http1Parser&) = delete;

  Result execute(const char* data, size_t len);
  void resume();
  // Signals end of input (upstream closed); Ok when that completes a close-delimited body.
  Status finish();
  // Forget any partial message and start over (used when a pooled connection is reused).
  void reset();

  const HttpHead& head() const { return head_; }
  bool keepAlive() const;
  // True when the body in progress is delimited by connection close (response only).
  bool bodyNeedsEof() const;
  bool chunked() const;
  // Declared Content-Length of the current message, if any.
  std::optional<uint64_t> contentLength() const;
  // llhttp's reason for the last Error, for debug logs.
  const char* errorReason() const;
  // True once the head of the current message is complete.
  bool headDone() const { return head_done_; }
  bool inMessage() const { return in_message_; }

private:
  struct Impl;
  friend struct Impl;
  std::unique_ptr<Impl> impl_;
  Handler& handler_;
  HttpHead head_;
  uint32_t max_head_bytes_;
  bool head_done_ = false;
  bool in_message_ = false;
  bool head_too_large_ = false;
  bool rejected_ = false;
};

} // namespace tether::proxy::http
