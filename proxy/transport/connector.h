#pragma once
// Connector: how connections to backends are made. The upstream pool asks it for a Transport;
// production uses TcpConnector, tests and fuzzers a MemoryConnector (memory_transport.h), so a
// whole exchange can run with no socket.
// Loop thread only.

#include <cstdint>
#include <string>

#include "proxy/transport/io_loop.h"
#include "proxy/transport/transport.h"

namespace tether::proxy::transport {

class Connector {
public:
  virtual ~Connector() = default;
  // Starts connecting to `host` (a numeric IPv4 or IPv6 address) and `port`. The transport
  // reports onTransportReady() or onTransportEnd(ConnectFailed). nullptr when the connect
  // cannot even start (an address that does not parse, no socket): the caller treats that as a
  // failed connect. `receive_buffer` > 0 asks for that SO_RCVBUF (TCP only).
  virtual Transport* connect(IoLoop& io, const std::string& host, uint16_t port,
                             uint32_t receive_buffer) = 0;
};

class TcpConnector final : public Connector {
public:
  Transport* connect(IoLoop& io, const std::string& host, uint16_t port,
                     uint32_t receive_buffer) override;
};

} // namespace tether::proxy::transport
