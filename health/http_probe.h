#pragma once
// HttpProbe: the `type: http` check. On a fresh connection it sends
//
//   GET <path> HTTP/1.1\r\nHost: <host>\r\nUser-Agent: tether-health\r\nConnection: close\r\n\r\n
//
// and passes iff the final status code is within [expect_min, expect_max]. Only the status line
// is read (no llhttp; headers and body are not looked at), at most kMaxRead bytes, and the
// connection is closed as soon as the status is known. 1xx interim responses (103 Early Hints)
// are skipped. A status line is `HTTP/1.<digit> <3 digits>` followed by a space or the end of the
// line; anything else is a BadResponse, so a TLS or SSH port misconfigured as http shows up as
// "bad status line ..." rather than as a timeout.
//
// Loop thread only; lifetime and result delivery as for every Probe (health/probe.h).

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "health/probe.h"

namespace tether::health {

// What the bytes received so far say about the final status. Pure; exposed for tests.
struct StatusScan {
  enum class Outcome : uint8_t {
    NeedMore = 0,  // no complete status line yet (or still inside a 1xx head)
    Status,        // `status` holds the final (non-1xx) status code
    Invalid,       // not an HTTP/1.x response; `bad_line` holds the offending line
  };
  Outcome outcome = Outcome::NeedMore;
  int status = 0;
  std::string_view bad_line;
};
// `eof`: no more bytes will come, so a final line without its CRLF is judged as it is.
StatusScan scanStatusLine(std::string_view received, bool eof);

class HttpProbe : public Probe {
public:
  // The response bytes read before giving up on finding a status line (HAProxy's check buffer
  // is of the same order; a status line is a few dozen bytes, interim 1xx heads a few hundred).
  static constexpr size_t kMaxRead = 8 * 1024;

  // `host_header`: the Host value, "" meaning the caller should have put ip:port there already.
  HttpProbe(uv_loop_t* loop, std::string_view path, std::string_view host_header,
            uint16_t expect_min, uint16_t expect_max);

private:
  ~HttpProbe() override = default;

  // Probe
  void onConnected() override;
  const char* awaitingWhat() const override { return "awaiting status line"; }

  static void onWrite(uv_write_t* req, int status) noexcept;
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  void judge(bool eof);

  std::string request_;     // owned here; the write request points into it until it completes
  uint16_t expect_min_;
  uint16_t expect_max_;
  uv_write_t write_req_;
  std::array<char, kMaxRead> in_;
  size_t in_len_ = 0;
};

} // namespace tether::health
