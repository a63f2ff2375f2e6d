#include "routing/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace tether::routing {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);  // inet_pton needs a terminated string
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) return ip;
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const unsigned max_prefix = ip->v6 ? 128 : 32;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() ||
        prefix > max_prefix) {
      return std::nullopt;
    }
  }
  Cidr c;
  c.net_ = *ip;
  c.prefix_ = static_cast<uint8_t>(prefix);
  return c;
}

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.v6 != net_.v6) return false;
  unsigned bits = prefix_;
  for (size_t i = 0; bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const uint8_t mask = static_cast<uint8_t>(0xFF00u >> take);
    if ((ip.bytes[i] & mask) != (net_.bytes[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

bool anyContains(const std::vector<Cidr>& nets, std::string_view address) {
  if (nets.empty()) return false;
  auto ip = IpAddress::parse(address);
  if (!ip) return false;
  for (const auto& n : nets) {
    if (n.contains(*ip)) return true;
  }
  return false;
}

} // namespace tether::routing
