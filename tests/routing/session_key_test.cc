// KeyPolicy: which source supplies the session key, how cookies, query strings and
// X-Forwarded-For are read, and the pinned hash a fixed request maps to.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "routing/hash.h"
#include "routing/session_key.h"

namespace tether::routing {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A request head as a list of (name, value) pairs in arrival order, repeats allowed.
class FakeRequest : public RequestView {
public:
  FakeRequest(std::string target = "/", std::string peer = "192.0.2.10")
      : target_(std::move(target)), peer_(std::move(peer)) {}

  FakeRequest& add(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return target_; }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    for (const auto& [n, v] : headers_) {
      if (equalsIgnoreCase(n, name) && index-- == 0) return std::string_view(v);
    }
    return std::nullopt;
  }
  std::string_view peerAddress() const override { return peer_; }

private:
  std::string target_;
  std::string peer_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

KeySource cookie(std::string name) { return {KeySource::Kind::Cookie, std::move(name), {}}; }
KeySource header(std::string name) { return {KeySource::Kind::Header, std::move(name), {}}; }
KeySource query(std::string name) { return {KeySource::Kind::Query, std::move(name), {}}; }
KeySource sourceIp(std::vector<std::string> nets = {}) {
  KeySource s{KeySource::Kind::SourceIp, "", {}};
  for (const auto& n : nets) s.trusted_proxies.push_back(*Cidr::parse(n));
  return s;
}

std::optional<std::string> cookieOf(const FakeRequest& r, std::string_view name) {
  auto v = findCookie(r, name);
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

std::optional<std::string> cookieIn(std::string_view header_value, std::string_view name) {
  auto v = findCookieIn(header_value, name);
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

std::optional<std::string> queryOf(std::string_view target, std::string_view name) {
  auto v = findQueryParam(target, name);
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

std::string clientOf(const FakeRequest& r, std::vector<std::string> nets) {
  return std::string(clientAddress(r, sourceIp(std::move(nets)).trusted_proxies));
}

TEST_CASE("session key: sources are tried in order, the first present wins", "[routing]") {
  const KeyPolicy policy({cookie("JSESSIONID"), header("X-Session-Id"), query("sid"), sourceIp()},
                         0);
  const auto key = [&](const FakeRequest& r) {
    auto k = policy.extract(r);
    REQUIRE(k.has_value());
    return *k;
  };
  // Given every source present, expect the cookie (source 0).
  FakeRequest all("/?sid=q");
  all.add("Cookie", "JSESSIONID=c").add("X-Session-Id", "h");
  CHECK(key(all).source == 0);
  CHECK(key(all).hash == policy.hashValue("c"));
  // Given no cookie, expect the header.
  FakeRequest no_cookie("/?sid=q");
  no_cookie.add("x-session-id", "h");
  CHECK(key(no_cookie).source == 1);
  CHECK(key(no_cookie).hash == policy.hashValue("h"));
  // Given an empty cookie and an empty header, expect them skipped for the query parameter.
  FakeRequest empties("/a?sid=q");
  empties.add("Cookie", "JSESSIONID=").add("X-Session-Id", "");
  CHECK(key(empties).source == 2);
  CHECK(key(empties).hash == policy.hashValue("q"));
  // Given none of the named sources, expect the peer address.
  const FakeRequest bare("/", "203.0.113.7");
  CHECK(key(bare).source == 3);
  CHECK(key(bare).hash == policy.hashValue("203.0.113.7"));
}

TEST_CASE("session key: no source present means no key", "[routing]") {
  // Given a policy without source_ip and a request with none of its sources, expect nullopt.
  const KeyPolicy policy({cookie("sid"), query("sid")}, 0);
  FakeRequest r("/path?other=1");
  r.add("Cookie", "other=1");
  CHECK_FALSE(policy.extract(r).has_value());
  // Given no sources at all, expect empty() and never a key.
  const KeyPolicy none({}, 0);
  CHECK(none.empty());
  CHECK_FALSE(policy.empty());
  CHECK_FALSE(none.extract(r).has_value());
}

TEST_CASE("session key: golden hashes", "[routing]") {
  // Given Cookie "JSESSIONID=abc123" under seeds 0 and 42, expect exactly these XXH3-64 values.
  // A change here remaps every sticky user in production: change it only on purpose.
  //   seed  0 -> 0x33739d7bb9744cd0
  //   seed 42 -> 0x9e7631971f9d50e2
  FakeRequest r("/");
  r.add("Cookie", "lang=en; JSESSIONID=abc123");
  const KeyPolicy seed0({cookie("JSESSIONID")}, 0);
  const KeyPolicy seed42({cookie("JSESSIONID")}, 42);
  CHECK(seed0.extract(r)->hash == 0x33739d7bb9744cd0ULL);
  CHECK(seed42.extract(r)->hash == 0x9e7631971f9d50e2ULL);
  CHECK(seed0.extract(r)->hash == hashBytes("abc123", 0));
  CHECK(seed0.seed() == 0);
  CHECK(seed42.seed() == 42);
}

TEST_CASE("session key: the hash depends on the value only, not the source", "[routing]") {
  // Given the same value as a cookie, a header and a query parameter, expect one hash, equal to
  // hashValue() (the path a learned Set-Cookie takes).
  const KeyPolicy policy({cookie("sid"), header("sid"), query("sid")}, 7);
  FakeRequest c;
  c.add("Cookie", "sid=\"v-1\"");
  FakeRequest h;
  h.add("sid", "v-1");
  const FakeRequest q("/x?sid=v-1");
  CHECK(policy.extract(c)->hash == policy.hashValue("v-1"));
  CHECK(policy.extract(h)->hash == policy.hashValue("v-1"));
  CHECK(policy.extract(q)->hash == policy.hashValue("v-1"));
  CHECK(policy.hashValue("v-1") != policy.hashValue("v-2"));
}

TEST_CASE("cookies: pairs, spaces, quotes and several headers", "[routing]") {
  // Given RFC 6265 cookie strings, expect the named value.
  CHECK(cookieIn("a=b;c=d", "c") == "d");
  CHECK(cookieIn("a=b;c=d", "a") == "b");
  CHECK(cookieIn("a=b; c=d", "c") == "d");
  CHECK(cookieIn("  a = b  ;\tc=d ", "a") == "b");
  CHECK(cookieIn("sid=\"quoted\"", "sid") == "quoted");
  CHECK(cookieIn("sid=\"\"", "sid") == "");
  CHECK(cookieIn("sid=\"", "sid") == "\"");  // one quote is not a quoted value
  CHECK(cookieIn("sid=a=b", "sid") == "a=b");  // only the first '=' splits
  CHECK(cookieIn("sid=", "sid") == "");
  CHECK(cookieIn("", "sid") == std::nullopt);
  CHECK(cookieIn("SID=1", "sid") == std::nullopt);  // names are case-sensitive
  // Given a longer name sharing the prefix, expect it not confused with the one asked for.
  CHECK(cookieIn("JSESSIONIDX=1; JSESSIONID=2", "JSESSIONID") == "2");
  CHECK(cookieIn("XJSESSIONID=1; JSESSIONID=2", "JSESSIONID") == "2");
  // Given the name twice, expect the first.
  CHECK(cookieIn("sid=1; sid=2", "sid") == "1");

  // Given several Cookie headers, expect each searched in order, first occurrence winning.
  FakeRequest r;
  r.add("Cookie", "a=1").add("Accept", "*/*").add("cookie", "sid=2; b=3").add("Cookie", "sid=4");
  CHECK(cookieOf(r, "a") == "1");
  CHECK(cookieOf(r, "sid") == "2");
  CHECK(cookieOf(r, "b") == "3");
  CHECK(cookieOf(r, "zzz") == std::nullopt);
  CHECK(cookieOf(FakeRequest(), "a") == std::nullopt);
}

TEST_CASE("cookies: malformed pairs are skipped, not errors", "[routing]") {
  // Given pairs without '=', with an empty name, or with control characters, expect them
  // ignored and the well-formed pairs still found.
  CHECK(cookieIn("garbage; sid=1", "sid") == "1");
  CHECK(cookieIn("=x; sid=1", "sid") == "1");
  CHECK(cookieIn(";;; sid=1 ;;", "sid") == "1");
  CHECK(cookieIn("sid=a\x01" "b; sid=2", "sid") == "2");
  CHECK(cookieIn("sid=a\x7f", "sid") == std::nullopt);
  CHECK(cookieIn("sid", "sid") == std::nullopt);
  CHECK(cookieIn("=", "") == std::nullopt);
  // Given a wholly malformed header before a good one, expect the good one used.
  FakeRequest r;
  r.add("Cookie", "not a cookie header").add("Cookie", "sid=ok");
  CHECK(cookieOf(r, "sid") == "ok");
  // Given "sid=" (empty), expect the policy to treat the cookie as absent.
  FakeRequest empty;
  empty.add("Cookie", "sid=");
  CHECK_FALSE(KeyPolicy({cookie("sid")}, 0).extract(empty).has_value());
}

TEST_CASE("query: exact names, first occurrence, raw bytes", "[routing]") {
  // Given query strings, expect the exact parameter, not decoded, first occurrence winning.
  CHECK(queryOf("/p?a=1&sid=xyz&b", "sid") == "xyz");
  CHECK(queryOf("/p?sidx=1&sid=2", "sid") == "2");
  CHECK(queryOf("/p?xsid=1&sid=2", "sid") == "2");
  CHECK(queryOf("/p?sid=1&sid=2", "sid") == "1");
  CHECK(queryOf("/p?sid=a%20b", "sid") == "a%20b");
  CHECK(queryOf("/p?sid=a=b", "sid") == "a=b");
  CHECK(queryOf("/p?sid=", "sid") == "");
  CHECK(queryOf("/p?sid", "sid") == "");
  CHECK(queryOf("/p?a=1&b", "b") == "");
  CHECK(queryOf("/p?&&sid=1&", "sid") == "1");
  CHECK(queryOf("/p", "sid") == std::nullopt);
  CHECK(queryOf("/p?", "sid") == std::nullopt);
  CHECK(queryOf("/sid=1", "sid") == std::nullopt);  // path, not query
  CHECK(queryOf("/p?a=1#sid=2", "sid") == std::nullopt);
  CHECK(queryOf("/p?sid=1#frag", "sid") == "1");
  CHECK(queryOf("/p?SID=1", "sid") == std::nullopt);
  // Given "?sid=" and "?sid", expect the policy to move on to the next source.
  const KeyPolicy policy({query("sid"), header("X-Id")}, 0);
  FakeRequest r("/?sid=");
  r.add("X-Id", "h");
  CHECK(policy.extract(r)->source == 1);
}

TEST_CASE("source_ip: the peer unless it is a trusted proxy", "[routing]") {
  // Given no trusted proxies, expect the peer even with X-Forwarded-For present.
  FakeRequest direct("/", "198.51.100.4");
  direct.add("X-Forwarded-For", "1.1.1.1");
  CHECK(clientOf(direct, {}) == "198.51.100.4");
  // Given an untrusted peer, expect the peer (its XFF is client-written, so forgeable).
  CHECK(clientOf(direct, {"10.0.0.0/8"}) == "198.51.100.4");
  // Given a trusted peer and no XFF, expect the peer.
  const FakeRequest lb_only("/", "10.0.0.2");
  CHECK(clientOf(lb_only, {"10.0.0.0/8"}) == "10.0.0.2");
  // Given a trusted peer and one XFF entry, expect that entry.
  FakeRequest one("/", "10.0.0.2");
  one.add("X-Forwarded-For", "203.0.113.9");
  CHECK(clientOf(one, {"10.0.0.0/8"}) == "203.0.113.9");
}

TEST_CASE("source_ip: X-Forwarded-For is walked from the right", "[routing]") {
  const std::vector<std::string> trusted = {"10.0.0.0/8", "fd00::/8"};
  // Given spoofed entries on the left, expect the rightmost untrusted entry, never the forgery.
  FakeRequest spoofed("/", "10.0.0.2");
  spoofed.add("X-Forwarded-For", "6.6.6.6, 7.7.7.7,203.0.113.9 , 10.1.1.1");
  CHECK(clientOf(spoofed, trusted) == "203.0.113.9");
  // Given several XFF headers, expect them treated as one list in order (last header rightmost).
  FakeRequest split("/", "10.0.0.2");
  split.add("X-Forwarded-For", "6.6.6.6, 203.0.113.9")
      .add("Via", "1.1 lb")
      .add("x-forwarded-for", "10.2.2.2, fd00::1");
  CHECK(clientOf(split, trusted) == "203.0.113.9");
  // Given IPv6 hops, expect IPv6 handled the same way.
  FakeRequest v6("/", "fd00::5");
  v6.add("X-Forwarded-For", "2001:db8::1, fd00::7");
  CHECK(clientOf(v6, trusted) == "2001:db8::1");
  // Given only trusted entries, expect the leftmost.
  FakeRequest inner("/", "10.0.0.2");
  inner.add("X-Forwarded-For", "10.9.9.9, 10.3.3.3");
  CHECK(clientOf(inner, trusted) == "10.9.9.9");
  // Given an invalid entry before any untrusted one, expect the peer.
  for (const char* bad : {"unknown", "203.0.113.9:443", "", "1.2.3.4, ", "host.example",
                          "203.0.113.9, 10.0.0.1:80"}) {
    INFO(bad);
    FakeRequest r("/", "10.0.0.2");
    r.add("X-Forwarded-For", bad);
    CHECK(clientOf(r, trusted) == "10.0.0.2");
  }
  // Given an invalid entry LEFT of the client, expect it never reached.
  FakeRequest junk_left("/", "10.0.0.2");
  junk_left.add("X-Forwarded-For", "garbage, 203.0.113.9");
  CHECK(clientOf(junk_left, trusted) == "203.0.113.9");
  // Given the policy, expect the client's address hashed, not the proxy's.
  const KeyPolicy policy({sourceIp(trusted)}, 3);
  CHECK(policy.extract(spoofed)->hash == policy.hashValue("203.0.113.9"));
}

} // namespace
} // namespace tether::routing
