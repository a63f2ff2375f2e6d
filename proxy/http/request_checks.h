#pragma once
// What tether requires of a client's request head before routing it, and what the head says
// about its body and its connection. Pure functions over a parsed HttpHead; the connection turns
// a refusal into its response (error_response.h).
//
// Refused, in this order:
// - CONNECT, or a Transfer-Encoding other than exactly one "chunked" (gzip, lists, repeats):
//   501, since tether implements neither tunnelling by CONNECT nor other codings;
// - an HTTP/1.1 request without exactly one Host (RFC 9112 §3.2), or an HTTP/1.0 one with
//   several: 400;
// - a declared Content-Length above limits.max_body_bytes: 413.
// (llhttp, in strict mode, already refused CL+TE, differing Content-Lengths, bad chunk sizes,
// bare LF and obs-fold.)

#include <cstdint>
#include <optional>
#include <string_view>

#include "proxy/http/error_response.h"
#include "proxy/http/http_head.h"
#include "proxy/http/message_rewriter.h"

namespace tether::proxy::http {

// One request's framing and the facts the exchange needs of it.
struct RequestFacts {
  BodyFraming framing = BodyFraming::None;  // Chunked, Length (kept even when 0), or None
  uint64_t content_length = 0;
  bool http10 = false;
  bool head = false;             // method HEAD: the response has no body whatever it says
  bool upgrade = false;          // Upgrade with "Connection: upgrade": may become a tunnel
  bool expect_continue = false;  // "Expect: 100-continue" on an HTTP/1.1 request with a body

  // No body bytes will follow the head.
  bool bodiless() const {
    return framing == BodyFraming::None || (framing == BodyFraming::Length && content_length == 0);
  }
};

// `chunked` and `content_length` are what the parser found; `max_body_bytes` 0 = unlimited.
// Fills `out` and returns nullopt when the request may be routed.
std::optional<ProxyError> checkRequest(const HttpHead& head, bool chunked,
                                       std::optional<uint64_t> content_length,
                                       uint64_t max_body_bytes, RequestFacts& out);

// RFC 9110 §9.2.2: safe to send again after a failure. POST and PATCH are not.
bool idempotent(std::string_view method);

} // namespace tether::proxy::http
