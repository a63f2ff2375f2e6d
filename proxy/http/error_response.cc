#include "proxy/http/error_response.h"

#include <array>
#include <string>

#include "proxy/http/reason_phrase.h"

namespace tether::proxy::http {

namespace {

struct Row {
  ProxyError error;
  int status;
  std::string_view name;  // for logs and metrics
  std::string_view body;  // short plain text
};

constexpr Row kRows[] = {
    {ProxyError::BadRequest, 400, "bad_request", "bad request\n"},
    {ProxyError::MissingSessionKey, 400, "missing_session_key", "missing session key\n"},
    {ProxyError::ClientHeaderTimeout, 408, "client_header_timeout", "request timeout\n"},
    {ProxyError::BodyTooLarge, 413, "body_too_large", "content too large\n"},
    {ProxyError::HeaderTooLarge, 431, "header_too_large", "request header fields too large\n"},
    {ProxyError::NotImplemented, 501, "not_implemented", "not implemented\n"},
    {ProxyError::NoBackend, 503, "no_backend", "service unavailable\n"},
    {ProxyError::UpstreamConnectFailed, 502, "upstream_connect_failed", "bad gateway\n"},
    {ProxyError::UpstreamReset, 502, "upstream_reset", "bad gateway\n"},
    {ProxyError::UpstreamBadResponse, 502, "upstream_bad_response", "bad gateway\n"},
    {ProxyError::UpstreamTimeout, 504, "upstream_timeout", "gateway timeout\n"},
};
constexpr size_t kCount = sizeof kRows / sizeof kRows[0];

const Row& row(ProxyError e) { return kRows[static_cast<size_t>(e)]; }

// The complete responses, built once: the table stays the one place that names each outcome.
const std::array<std::string, kCount>& responses() {
  static const std::array<std::string, kCount> all = [] {
    std::array<std::string, kCount> out;
    for (size_t i = 0; i < kCount; ++i) {
      const Row& r = kRows[i];
      out[i] = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reasonPhrase(r.status)) +
               "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(r.body.size()) +
               "\r\nConnection: close\r\n\r\n" + std::string(r.body);
    }
    return out;
  }();
  return all;
}

} // namespace

int statusFor(ProxyError error) { return row(error).status; }
std::string_view errorName(ProxyError error) { return row(error).name; }
std::string_view responseFor(ProxyError error) { return responses()[static_cast<size_t>(error)]; }

} // namespace tether::proxy::http
