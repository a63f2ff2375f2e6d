#pragma once
// The numeric address of a connected TCP peer ("127.0.0.1", "::1"), for logs, X-Forwarded-For and
// trusted-proxy checks. Empty when the socket has no peer (already reset). Loop thread only.

#include <uv.h>

#include <string>

namespace tether::proxy {

std::string peerAddress(uv_tcp_t* tcp);

} // namespace tether::proxy
