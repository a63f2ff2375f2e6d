#pragma once
// The one place where tether's failure outcomes become HTTP statuses. Every row
// has an integration test. Responses generated here always close the client connection: after any
// of these the request stream can no longer be trusted to be in sync.

#include <string_view>

namespace tether::proxy::http {

enum class ProxyError {
  BadRequest = 0,             // malformed request line/headers, CL+TE, bad chunk, missing Host
  MissingSessionKey,          // routing.on_missing_key: reject and the request carried no key
  ClientHeaderTimeout,        // head not complete within timeouts.client_header
  BodyTooLarge,               // body over limits.max_body_bytes
  HeaderTooLarge,             // head over limits.max_header_bytes
  NotImplemented,             // Transfer-Encoding other than chunked, CONNECT
  NoBackend,                  // routing found nothing usable
  UpstreamConnectFailed,      // refused, unreachable, connect timeout
  UpstreamReset,              // closed or reset before a complete response head
  UpstreamBadResponse,        // response that does not parse
  UpstreamTimeout,            // no response within timeouts.upstream_response
};

int statusFor(ProxyError error);
std::string_view errorName(ProxyError error);
// Complete HTTP/1.1 response bytes with Connection: close, built once and valid for the life of
// the process.
std::string_view responseFor(ProxyError error);

} // namespace tether::proxy::http
