// The model's out-of-line functions.

#include "config/config_model.h"

namespace tether::config {

std::string SocketAddress::toString() const {
  // Part of error messages and of default backend names, so the format must stay stable. IPv6
  // hosts are bracketed so the port separator is unambiguous, as in URLs (RFC 3986 §3.2.2).
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

int spdlogLevel(LoggingConfig::Level level) {
  // spdlog::level::level_enum: trace 0, debug 1, info 2, warn 3, err 4, critical 5, off 6.
  // `critical` has no name in the config file; `error` lets it through.
  switch (level) {
  case LoggingConfig::Level::Trace: return 0;
  case LoggingConfig::Level::Debug: return 1;
  case LoggingConfig::Level::Info: return 2;
  case LoggingConfig::Level::Warn: return 3;
  case LoggingConfig::Level::Error: return 4;
  case LoggingConfig::Level::Off: return 6;
  }
  return 2;
}

} // namespace tether::config
