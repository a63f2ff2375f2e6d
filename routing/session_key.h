#pragma once
// KeyPolicy: finds a request's session key — the value that decides which backend a user sticks
// to — in an ordered list of sources (cookie, header, query parameter, client IP).
//
// Contract:
// - The sources are tried in configured order; the first one PRESENT in the request wins, where
//   present means "found, with a non-empty value". A request with none of them has no key
//   (nullopt); that is a normal outcome, and the caller applies `on_missing_key`.
// - The key hash is hashBytes(value, seed) of the raw value bytes ONLY. The source kind is not
//   mixed in, on purpose: a session id learned from a backend's Set-Cookie (hashValue()) must find
//   the same binding as the same id read back from the request's Cookie header, and a session id
//   that moves from a cookie to a header (mobile clients) keeps its backend. The flip side: two
//   sources that carry unrelated values with equal bytes share a key, which is harmless.
// - Values are hashed exactly as sent: no percent-decoding of query parameters, no case folding,
//   no canonicalisation of IP address text. "a%20b" and "a b" are different keys; decoding would
//   cost an allocation per request and buy nothing, since a client resends its id the same way.
// - extract() never allocates: every value is a string_view into the RequestView.
//
// Immutable after construction; any thread. Never throws on request content: malformed cookies,
// query strings or X-Forwarded-For entries simply yield no key from that source (or the peer
// address, for source_ip). routing/ has no error type: a request it cannot key is not an error.
//
// Deliberately independent of config/ (dependencies point down): config/ translates its
// KeySourceConfig into these plain structs when it builds a snapshot.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/cidr.h"
#include "routing/request_view.h"

namespace tether::routing {

struct KeySource {
  enum class Kind { Cookie = 0, Header, Query, SourceIp };
  Kind kind = Kind::Cookie;
  std::string name;                  // cookie, header or query parameter name; unused for SourceIp
  std::vector<Cidr> trusted_proxies; // SourceIp: peers whose X-Forwarded-For is believed
};

struct SessionKey {
  uint64_t hash = 0;
  uint8_t source = 0;  // index into the KeyPolicy's sources: which one supplied the key
};

class KeyPolicy {
public:
  // More sources than fit in SessionKey::source are a caller bug; config/ caps the list well
  // below this.
  static constexpr size_t kMaxSources = 255;

  KeyPolicy(std::vector<KeySource> sources, uint64_t seed);

  // The key of `request`, from the first present source; nullopt when none is present.
  std::optional<SessionKey> extract(const RequestView& request) const;
  // The hash extract() would give a request carrying `value` in any source.
  uint64_t hashValue(std::string_view value) const;
  // No sources configured: every request is keyless.
  bool empty() const { return sources_.empty(); }

  const std::vector<KeySource>& sources() const { return sources_; }
  uint64_t seed() const { return seed_; }

private:
  std::optional<std::string_view> valueOf(const KeySource& source,
                                          const RequestView& request) const;

  std::vector<KeySource> sources_;
  uint64_t seed_;
};

// Cookie lookup per RFC 6265 §5.4 (the server-side reading of §4.2.1's cookie-string), across
// every Cookie header of the request in order (HTTP/1.1 clients normally send one, but proxies
// and some clients split them). Pairs are separated by ';' with optional spaces or tabs around
// them; the name is matched exactly (cookie names are case-sensitive); a value wrapped in DQUOTEs
// is returned without them. The first occurrence of the name wins, even if its value is empty
// (an empty value means "no key" to KeyPolicy). Malformed pairs — no '=', an empty name, control
// characters — are skipped, never an error: browsers and scripts send plenty of those.
std::optional<std::string_view> findCookie(const RequestView& request, std::string_view name);
// The same, within one Cookie header value.
std::optional<std::string_view> findCookieIn(std::string_view header_value, std::string_view name);

// The first `name` parameter in the query string of `target` ("/p?a=1&sid=xyz&b" -> "xyz"),
// matched exactly and returned raw (not percent-decoded). A parameter without '=' has an empty
// value. Anything after a '#' is ignored (a fragment should never be sent, but some clients do).
std::optional<std::string_view> findQueryParam(std::string_view target, std::string_view name);

// The client address for `source_ip` keys. When the TCP peer is not in `trusted_proxies` (or the
// list is empty), the peer itself. When it is, X-Forwarded-For is walked from the RIGHT — the
// entry the trusted peer appended, then the one before it, across every X-Forwarded-For header
// from last to first — skipping entries that are themselves trusted proxies; the first untrusted
// entry is the client. This is the standard right-to-left rule (nginx real_ip_recursive, Envoy's
// trusted hops): entries left of the first untrusted hop were written by the client and can be
// forged, so they are never used. If every entry is trusted, the leftmost one is the client. An
// entry that is not a plain IPv4/IPv6 address (with a port, a name, "unknown", empty) stops the
// walk and the peer address is used: we cannot tell who wrote it.
std::string_view clientAddress(const RequestView& request,
                               const std::vector<Cidr>& trusted_proxies);

} // namespace tether::routing
