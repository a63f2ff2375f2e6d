// KeyPolicy and the lookups behind it (see session_key.h). Everything here runs once per request
// on the loop, so values stay string_views into the request and nothing allocates.

#include "routing/session_key.h"

#include <arpa/inet.h>

#include <cstring>

#include "routing/hash.h"

namespace tether::routing {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 5234 CTL (HTAB included: inside a trimmed name or value it is as wrong as any other).
bool hasControl(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// IpAddress::parse without its std::string: an IPv6 text is longer than the small-string buffer,
// and this runs for every X-Forwarded-For entry.
std::optional<IpAddress> parseAddress(std::string_view text) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) return ip;
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

bool trusted(const std::vector<Cidr>& nets, const IpAddress& ip) {
  for (const auto& n : nets) {
    if (n.contains(ip)) return true;
  }
  return false;
}

constexpr std::string_view kXForwardedFor = "X-Forwarded-For";

} // namespace

std::optional<std::string_view> findCookieIn(std::string_view header_value,
                                             std::string_view name) {
  std::string_view rest = header_value;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    const std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);

    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;  // "flag" or garbage: no name=value here
    const std::string_view pair_name = trim(pair.substr(0, eq));
    if (pair_name.empty() || pair_name != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (hasControl(value)) continue;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

std::optional<std::string_view> findCookie(const RequestView& request, std::string_view name) {
  if (name.empty() || hasControl(name)) return std::nullopt;
  for (size_t i = 0;; ++i) {
    const auto header = request.headerAt("Cookie", i);
    if (!header) return std::nullopt;
    if (auto value = findCookieIn(*header, name)) return value;
  }
}

std::optional<std::string_view> findQueryParam(std::string_view target, std::string_view name) {
  const size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = param.find('=');
    if (param.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
  }
  return std::nullopt;
}

std::string_view clientAddress(const RequestView& request,
                               const std::vector<Cidr>& trusted_proxies) {
  const std::string_view peer = request.peerAddress();
  if (trusted_proxies.empty()) return peer;
  const auto peer_ip = parseAddress(peer);
  if (!peer_ip || !trusted(trusted_proxies, *peer_ip)) return peer;

  size_t headers = 0;
  while (request.headerAt(kXForwardedFor, headers)) ++headers;
  std::optional<std::string_view> leftmost;  // the last trusted entry walked over
  // The rightmost entry of the LAST header is the most recent hop, so walk headers backwards too.
  for (size_t h = headers; h-- > 0;) {
    std::string_view rest = *request.headerAt(kXForwardedFor, h);
    for (;;) {
      const size_t comma = rest.rfind(',');
      const std::string_view entry =
          trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      const auto ip = parseAddress(entry);
      if (!ip) return peer;
      if (!trusted(trusted_proxies, *ip)) return entry;
      leftmost = entry;
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
  return leftmost.value_or(peer);
}

KeyPolicy::KeyPolicy(std::vector<KeySource> sources, uint64_t seed)
    : sources_(std::move(sources)), seed_(seed) {
  if (sources_.size() > kMaxSources) sources_.resize(kMaxSources);
}

std::optional<std::string_view> KeyPolicy::valueOf(const KeySource& source,
                                                   const RequestView& request) const {
  switch (source.kind) {
  case KeySource::Kind::Cookie: return findCookie(request, source.name);
  case KeySource::Kind::Header: return request.header(source.name);
  case KeySource::Kind::Query: return findQueryParam(request.target(), source.name);
  case KeySource::Kind::SourceIp: return clientAddress(request, source.trusted_proxies);
  }
  return std::nullopt;
}

std::optional<SessionKey> KeyPolicy::extract(const RequestView& request) const {
  for (size_t i = 0; i < sources_.size(); ++i) {
    const auto value = valueOf(sources_[i], request);
    if (value && !value->empty()) {
      return SessionKey{hashValue(*value), static_cast<uint8_t>(i)};
    }
  }
  return std::nullopt;
}

uint64_t KeyPolicy::hashValue(std::string_view value) const { return hashBytes(value, seed_); }

} // namespace tether::routing
