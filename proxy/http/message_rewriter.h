#pragma once
// The intermediary rules of RFC 9110 §7.6 and RFC 9112 applied to heads crossing tether: drop
// hop-by-hop fields (Connection and every field it names, Keep-Alive, Proxy-Connection, TE,
// Trailer, Transfer-Encoding, Upgrade unless tunnelling), re-frame the body, add X-Forwarded-*.
// Everything else (Host, the request-target with its query string, other fields, their order and
// spelling) passes through as sent. Pure functions over HttpHead; no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "proxy/http/http_head.h"

namespace tether::proxy::http {

enum class BodyFraming { None = 0, Length, Chunked, UntilClose };

struct UpstreamRequestOptions {
  BodyFraming framing = BodyFraming::None;
  uint64_t content_length = 0;
  bool upgrade = false;                 // keep Upgrade and send Connection: upgrade
  bool forwarded_headers = true;        // forwarding.x_forwarded_for
  bool peer_trusted = false;            // peer is in forwarding.trusted_proxies
  std::string_view peer_address;
  std::string_view backend_authority;   // "host:port", used when an HTTP/1.0 client sent no Host
};

// Appends the upstream request head (always HTTP/1.1) to `out`.
void buildUpstreamRequest(const HttpHead& request, const UpstreamRequestOptions& options,
                          std::string& out);

struct ClientResponseOptions {
  BodyFraming framing = BodyFraming::None;
  uint64_t content_length = 0;
  bool keep_content_length = false;  // HEAD and 304: the upstream's Content-Length is informative
  bool upgrade = false;              // 101: keep Upgrade, send Connection: upgrade
  bool keep_alive = true;
  bool client_http10 = false;
  std::string_view extra_fields;     // complete "Name: value\r\n" lines tether adds (Set-Cookie)
};

void buildClientResponse(const HttpHead& response, const ClientResponseOptions& options,
                         std::string& out);

// Chunk framing for re-chunked bodies: "<hex>\r\n".
std::string_view chunkHeader(size_t size, char (&buf)[24]);

} // namespace tether::proxy::http
