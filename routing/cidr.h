#pragma once
// Cidr: an IPv4 or IPv6 network ("10.0.0.0/8", "::1/128", or a bare address meaning /32 or /128),
// used for trusted proxies. Pure value type; parse() returns nullopt on bad input (config/ turns
// that into a positioned error).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tether::routing {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  bool operator==(const IpAddress&) const = default;
};

class Cidr {
public:
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& ip) const;
  bool operator==(const Cidr&) const = default;

private:
  IpAddress net_;
  uint8_t prefix_ = 0;
};

bool anyContains(const std::vector<Cidr>& nets, std::string_view address);

} // namespace tether::routing
