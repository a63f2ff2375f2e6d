#pragma once
// Listener: one worker's accepting socket for one listen address.
//
// Each worker has its own socket bound with SO_REUSEPORT, so the kernel spreads new connections
// across workers with no shared accept lock (nginx's `reuseport`, Envoy's default). libuv 1.44 has
// no flag for SO_REUSEPORT, so the sockets are made here with plain syscalls on the control thread
// and handed to each worker's loop with uv_tcp_open.
//
// Loop thread only after construction. Owns its uv_tcp_t; freed in the close callback.

#include <uv.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config_model.h"

namespace tether::proxy {

class Worker;

// Creates `count` bound (not yet listening) SO_REUSEPORT sockets on `addr`. Port 0 is resolved
// once and the others bind the same port. On failure returns an error and closes what it made.
std::optional<std::string> bindReusePortSockets(const config::SocketAddress& addr, uint32_t count,
                                                std::vector<int>& fds, uint16_t& bound_port);

class Listener {
public:
  Listener(Worker& worker, int fd);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Starts accepting; returns a libuv error code (0 on success).
  int start();
  void close();

private:
  ~Listener() = default;
  static void onConnection(uv_stream_t* server, int status);
  static void onClosed(uv_handle_t* h);

  Worker& worker_;
  uv_tcp_t tcp_;
  bool closed_ = false;
};

} // namespace tether::proxy
