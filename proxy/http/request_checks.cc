#include "proxy/http/request_checks.h"

namespace tether::proxy::http {

namespace {

// Only "chunked" is implemented; any other coding (gzip, a list, repeats) is refused.
bool onlyChunked(const HttpHead& head) {
  size_t seen = 0;
  for (size_t i = 0; i < head.fieldCount(); ++i) {
    if (!equalsIgnoreCase(head.name(i), "transfer-encoding")) continue;
    if (++seen > 1 || !equalsIgnoreCase(head.value(i), "chunked")) return false;
  }
  return true;
}

bool asksForUpgrade(const HttpHead& head) {
  if (!head.get("upgrade")) return false;
  for (size_t i = 0; i < head.fieldCount(); ++i) {
    if (equalsIgnoreCase(head.name(i), "connection") && listContainsToken(head.value(i), "upgrade")) {
      return true;
    }
  }
  return false;
}

} // namespace

std::optional<ProxyError> checkRequest(const HttpHead& head, bool chunked,
                                       std::optional<uint64_t> content_length,
                                       uint64_t max_body_bytes, RequestFacts& out) {
  out = {};
  out.http10 = head.http_major == 1 && head.http_minor == 0;
  out.head = head.method() == "HEAD";
  if (head.method() == "CONNECT" || !onlyChunked(head)) return ProxyError::NotImplemented;
  const size_t hosts = head.count("host");
  if (hosts > 1 || (hosts == 0 && !out.http10)) return ProxyError::BadRequest;
  if (chunked) {
    out.framing = BodyFraming::Chunked;
  } else if (content_length) {
    // Kept even when 0: some applications answer a POST without Content-Length with 411.
    out.framing = BodyFraming::Length;
    out.content_length = *content_length;
    if (max_body_bytes && *content_length > max_body_bytes) return ProxyError::BodyTooLarge;
  }
  out.upgrade = asksForUpgrade(head);
  if (out.framing != BodyFraming::None && !out.http10) {
    const auto expect = head.get("expect");
    out.expect_continue = expect && equalsIgnoreCase(*expect, "100-continue");
  }
  return std::nullopt;
}

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

} // namespace tether::proxy::http
