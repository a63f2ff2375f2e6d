#include "proxy/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proxy/worker.h"

namespace tether::proxy {

namespace {

// Accept backlog: the kernel caps it at net.core.somaxconn anyway.
constexpr int kBacklog = 4096;

int makeSocket(const sockaddr_storage& ss, socklen_t len, std::string& error) {
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

std::optional<std::string> bindReusePortSockets(const config::SocketAddress& addr, uint32_t count,
                                                std::vector<int>& fds, uint16_t& bound_port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (uv_ip4_addr(addr.host.c_str(), addr.port, reinterpret_cast<sockaddr_in*>(&ss)) == 0) {
    len = sizeof(sockaddr_in);
  } else if (uv_ip6_addr(addr.host.c_str(), addr.port, reinterpret_cast<sockaddr_in6*>(&ss)) == 0) {
    len = sizeof(sockaddr_in6);
  } else {
    return "invalid listen address " + addr.toString();
  }
  std::vector<int> made;
  for (uint32_t i = 0; i < count; ++i) {
    std::string error;
    const int fd = makeSocket(ss, len, error);
    if (fd < 0) {
      for (int f : made) ::close(f);
      return "cannot listen on " + addr.toString() + ": " + error;
    }
    made.push_back(fd);
    if (i == 0) {
      // Port 0: learn the port the kernel picked and make every other worker bind the same one.
      sockaddr_storage got{};
      socklen_t got_len = sizeof got;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &got_len);
      bound_port = ntohs(got.ss_family == AF_INET6
                             ? reinterpret_cast<sockaddr_in6*>(&got)->sin6_port
                             : reinterpret_cast<sockaddr_in*>(&got)->sin_port);
      if (ss.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(bound_port);
      } else {
        reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(bound_port);
      }
      // Listen on the first socket now so connections arriving before the workers start queue
      // here instead of being refused.
      ::listen(fd, kBacklog);
    }
  }
  fds.insert(fds.end(), made.begin(), made.end());
  return std::nullopt;
}

Listener::Listener(Worker& worker, int fd) : worker_(worker) {
  uv_tcp_init(worker_.loop(), &tcp_);
  tcp_.data = this;
  uv_tcp_open(&tcp_, fd);
}

int Listener::start() {
  return uv_listen(reinterpret_cast<uv_stream_t*>(&tcp_), kBacklog, onConnection);
}

void Listener::close() {
  if (closed_) return;
  closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClosed);
}

void Listener::onConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<Listener*>(server->data);
  if (status < 0 || self->closed_) return;
  self->worker_.accept(server);
}

void Listener::onClosed(uv_handle_t* h) { delete static_cast<Listener*>(h->data); }

} // namespace tether::proxy
