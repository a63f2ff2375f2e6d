#pragma once
// RequestView: what routing may look at in a request, without knowing about llhttp or sockets.
// Implemented by proxy/ over its parsed request head. Valid only for the duration of one route()
// call; routing never keeps the string_views it returns.

#include <optional>
#include <string_view>

namespace tether::routing {

class RequestView {
public:
  virtual ~RequestView() = default;
  virtual std::string_view method() const = 0;
  // The request-target as sent (path and query string).
  virtual std::string_view target() const = 0;
  // First header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const { return headerAt(name, 0); }
  // The index-th header with this name (0-based), or nullopt: several Cookie headers, repeated
  // X-Forwarded-For.
  virtual std::optional<std::string_view> headerAt(std::string_view name, size_t index) const = 0;
  // Numeric address of the TCP peer ("127.0.0.1", "::1").
  virtual std::string_view peerAddress() const = 0;
};

} // namespace tether::routing
