#include "proxy/peer_address.h"

namespace tether::proxy {

std::string peerAddress(uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  char name[64] = {0};
  if (ss.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&ss), name, sizeof name);
  } else {
    uv_ip4_name(reinterpret_cast<sockaddr_in*>(&ss), name, sizeof name);
  }
  return name;
}

} // namespace tether::proxy
