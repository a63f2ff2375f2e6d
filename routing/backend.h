#pragma once
// Backend: one configured upstream server as routing sees it.
//
// Identity is `key` (the configured name, or "ip:port" when no name is given), never the position
// in the list: strategies hash on it, health and bindings carry over reloads by it. `BackendId` is
// a dense index valid for ONE snapshot only and must never be stored past the end of a request.
// Immutable once built; safe to share across threads.

#include <cstdint>
#include <string>
#include <vector>

namespace tether::routing {

using BackendId = uint32_t;
constexpr BackendId kNoBackend = UINT32_MAX;

struct Backend {
  std::string key;      // stable identity: configured name or "ip:port"
  std::string host;     // numeric IPv4/IPv6 literal
  uint16_t port = 0;
  uint32_t weight = 1;  // relative share of new sessions; 0 never happens (validated in config/)
};

using BackendList = std::vector<Backend>;

} // namespace tether::routing
