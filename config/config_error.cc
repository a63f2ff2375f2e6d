// Human-facing renderings of config values. SocketAddress::toString lives here rather than in a
// config_model.cc of its own because it is the model's only out-of-line function, and its output is
// part of error messages and of default backend names (so it must stay stable).

#include "config/config_error.h"

#include "config/config_model.h"

namespace tether::config {

std::string ConfigError::toString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string SocketAddress::toString() const {
  // IPv6 hosts are bracketed so the port separator is unambiguous, as in URLs (RFC 3986 §3.2.2).
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

} // namespace tether::config
