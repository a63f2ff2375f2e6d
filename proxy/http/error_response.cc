#include "proxy/http/error_response.h"

namespace tether::proxy::http {

namespace {

struct Row {
  ProxyError error;
  int status;
  std::string_view name;
  std::string_view response;
};

#define TETHER_RESPONSE(code, text, body)                                                         \
  "HTTP/1.1 " #code " " text "\r\nContent-Type: text/plain\r\nContent-Length: " body              \
  "\r\nConnection: close\r\n\r\n"

// Bodies are short fixed strings; the lengths are spelled out so the table stays constexpr.
constexpr Row kRows[] = {
    {ProxyError::BadRequest, 400, "bad_request", TETHER_RESPONSE(400, "Bad Request", "12") "bad request\n"},
    {ProxyError::MissingSessionKey, 400, "missing_session_key",
     TETHER_RESPONSE(400, "Bad Request", "20") "missing session key\n"},
    {ProxyError::ClientHeaderTimeout, 408, "client_header_timeout",
     TETHER_RESPONSE(408, "Request Timeout", "16") "request timeout\n"},
    {ProxyError::BodyTooLarge, 413, "body_too_large",
     TETHER_RESPONSE(413, "Content Too Large", "18") "content too large\n"},
    {ProxyError::HeaderTooLarge, 431, "header_too_large",
     TETHER_RESPONSE(431, "Request Header Fields Too Large", "32") "request header fields too large\n"},
    {ProxyError::NotImplemented, 501, "not_implemented",
     TETHER_RESPONSE(501, "Not Implemented", "16") "not implemented\n"},
    {ProxyError::NoBackend, 503, "no_backend",
     TETHER_RESPONSE(503, "Service Unavailable", "20") "service unavailable\n"},
    {ProxyError::UpstreamConnectFailed, 502, "upstream_connect_failed",
     TETHER_RESPONSE(502, "Bad Gateway", "12") "bad gateway\n"},
    {ProxyError::UpstreamReset, 502, "upstream_reset", TETHER_RESPONSE(502, "Bad Gateway", "12") "bad gateway\n"},
    {ProxyError::UpstreamBadResponse, 502, "upstream_bad_response",
     TETHER_RESPONSE(502, "Bad Gateway", "12") "bad gateway\n"},
    {ProxyError::UpstreamTimeout, 504, "upstream_timeout",
     TETHER_RESPONSE(504, "Gateway Timeout", "16") "gateway timeout\n"},
};

#undef TETHER_RESPONSE

const Row& row(ProxyError e) { return kRows[static_cast<int>(e)]; }

} // namespace

int statusFor(ProxyError error) { return row(error).status; }
std::string_view errorName(ProxyError error) { return row(error).name; }
std::string_view responseFor(ProxyError error) { return row(error).response; }

} // namespace tether::proxy::http
