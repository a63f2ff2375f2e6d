#pragma once
// How a backend's response head reaches the client: its framing towards the client, and whether
// the client connection stays open after it. Pure; the connection writes what this decides
// (message_rewriter.h serialises it).
//
// - 101 to a request that asked for an upgrade: the connection becomes a byte tunnel.
// - HEAD, 204, 304: no body (the Content-Length of HEAD and 304 is informative and kept).
// - Content-Length without Transfer-Encoding: forwarded as is.
// - Anything else (chunked, or delimited by the backend's close): re-chunked for HTTP/1.1
//   clients; for HTTP/1.0 clients, which cannot take chunks, delimited by closing.
// - The client connection closes after a refused upgrade (the client expected another protocol)
//   and after a response that began before the request body ended (the request stream is no
//   longer in sync).

#include "proxy/http/http_head.h"
#include "proxy/http/message_rewriter.h"
#include "proxy/http/request_checks.h"

namespace tether::proxy::http {

struct ResponsePlan {
  ClientResponseOptions options;  // framing, length and keep-alive towards the client
  bool tunnel = false;            // a 101 the client asked for
};

// `keep_alive`: the connection could stay open as far as the request and tether are concerned.
// A 101 the client did not ask for is the caller's to refuse before this.
ResponsePlan planResponse(const HttpHead& response, const RequestFacts& request, bool request_done,
                          bool keep_alive);

} // namespace tether::proxy::http
