// AffinityCookie: the signed binding of a browser session to a backend name. A forged or
// tampered value that verifies would let a client pick its backend; one that crashes would let
// any client take a worker down. Both are pinned here, with explicit `now` everywhere.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>

#include "routing/affinity_cookie.h"

namespace tether::routing {
namespace {

using Status = AffinityCookie::Verified::Status;
using std::chrono::seconds;

constexpr int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z
const std::string kSecretA = "0123456789abcdef-secret-A";
const std::string kSecretB = "fedcba9876543210-secret-B";

AffinityCookieOptions options(std::vector<std::string> secrets = {kSecretA}) {
  AffinityCookieOptions o;
  o.ttl = seconds(3600);
  o.secrets = std::move(secrets);
  return o;
}

TEST_CASE("AffinityCookie: issue then verify round-trips the backend and times", "[routing]") {
  // Given a fresh value for "app-2", expect Valid with the name and issued/expiry times back.
  const AffinityCookie cookie(options());
  const std::string value = cookie.issue("app-2", kNow);
  REQUIRE_FALSE(value.empty());
  const auto v = cookie.verify(value, kNow);
  CHECK(v.status == Status::Valid);
  CHECK(v.backend == "app-2");
  CHECK(v.first_issued == kNow);
  CHECK(v.issued == kNow);
  CHECK(v.expires == kNow + 3600);
  // Only RFC 6265 cookie-octets: no CTLs, whitespace, DQUOTE, comma, semicolon or backslash.
  for (char c : value) {
    INFO(value);
    const auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x21 && u <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\'));
  }
  // Five dot-separated fields, the last a 16-byte tag in unpadded base64url (22 chars).
  CHECK(std::count(value.begin(), value.end(), '.') == 4);
  CHECK(value.size() - value.rfind('.') - 1 == 22);
}

TEST_CASE("AffinityCookie: Verified copies and moves keep backend pointing at their own buffer",
          "[routing]") {
  // Given a Verified copied and moved (short name: SSO buffer inside the object), expect the
  // view to follow the new object, not the old one.
  const AffinityCookie cookie(options());
  auto v = cookie.verify(cookie.issue("b", kNow), kNow);
  REQUIRE(v.valid());
  AffinityCookie::Verified copy = v;
  CHECK(copy.backend == "b");
  CHECK(copy.backend.data() == copy.backend_name.data());
  AffinityCookie::Verified moved = std::move(copy);
  CHECK(moved.backend == "b");
  CHECK(moved.backend.data() == moved.backend_name.data());
  AffinityCookie::Verified assigned;
  assigned = moved;
  CHECK(assigned.backend.data() == assigned.backend_name.data());
}

TEST_CASE("AffinityCookie: any changed byte, truncation or extension never verifies",
          "[routing]") {
  // Given a valid value, expect every single-byte change (several masks, and every printable
  // replacement), every proper prefix and every extension to be anything but Valid.
  const AffinityCookie cookie(options());
  const std::string value = cookie.issue("app-1", kNow);
  REQUIRE(cookie.verify(value, kNow).valid());
  for (size_t i = 0; i < value.size(); ++i) {
    for (int c = 0; c < 256; ++c) {
      if (static_cast<char>(c) == value[i]) continue;
      std::string t = value;
      t[i] = static_cast<char>(c);
      INFO("index " << i << " byte " << c << ": " << t);
      CHECK_FALSE(cookie.verify(t, kNow).valid());
    }
  }
  for (size_t n = 0; n < value.size(); ++n) {
    CHECK_FALSE(cookie.verify(std::string_view(value).substr(0, n), kNow).valid());
    CHECK_FALSE(cookie.verify(std::string_view(value).substr(n + 1), kNow).valid());
  }
  for (const char* tail : {"A", "AA", ".", "=", "==", " "}) {
    CHECK_FALSE(cookie.verify(value + tail, kNow).valid());
  }
  CHECK_FALSE(cookie.verify(value + std::string(1, '\0'), kNow).valid());
  // Non-canonical spellings of the same numbers are rejected before the MAC is even checked.
  const auto dot1 = value.find('.');
  CHECK(cookie.verify(value.substr(0, dot1 + 1) + "0" + value.substr(dot1 + 1), kNow).status ==
        Status::Malformed);
  // A value made under another cookie name (same secret) does not verify under this one.
  AffinityCookieOptions other = options();
  other.name = "other_cookie";
  CHECK(cookie.verify(AffinityCookie(other).issue("app-1", kNow), kNow).status ==
        Status::BadSignature);
}

TEST_CASE("AffinityCookie: absolute ttl expiry", "[routing]") {
  // Given ttl = 1 h and no idle ttl, expect Valid one second before issued+ttl, Expired at it.
  const AffinityCookie cookie(options());
  const std::string value = cookie.issue("app-1", kNow);
  CHECK(cookie.verify(value, kNow + 3599).status == Status::Valid);
  const auto expired = cookie.verify(value, kNow + 3600);
  CHECK(expired.status == Status::Expired);
  CHECK(expired.backend == "app-1");  // authentic, so the name is still reported
  CHECK(cookie.verify(value, kNow + 100000).status == Status::Expired);
  CHECK_FALSE(cookie.needsRefresh(cookie.verify(value, kNow + 3000), kNow + 3000));  // no idle
}

TEST_CASE("AffinityCookie: idle ttl slides with refresh but never past ttl", "[routing]") {
  // Given ttl = 1000 s and idle_ttl = 400 s, expect expiry = issued + 400, a refresh due after
  // 100 s (idle/4), refreshed values sliding forward, and the last one capped at first + 1000.
  AffinityCookieOptions o = options();
  o.ttl = seconds(1000);
  o.idle_ttl = seconds(400);
  const AffinityCookie cookie(o);
  const std::string value = cookie.issue("app-1", kNow);
  auto v = cookie.verify(value, kNow);
  REQUIRE(v.valid());
  CHECK(v.expires == kNow + 400);
  CHECK(cookie.verify(value, kNow + 399).status == Status::Valid);
  CHECK(cookie.verify(value, kNow + 400).status == Status::Expired);

  CHECK_FALSE(cookie.needsRefresh(cookie.verify(value, kNow + 100), kNow + 100));
  const auto at101 = cookie.verify(value, kNow + 101);
  CHECK(cookie.needsRefresh(at101, kNow + 101));

  // Refresh at +300: expiry +700, first_issued kept.
  const std::string second = cookie.refresh(cookie.verify(value, kNow + 300), kNow + 300);
  auto v2 = cookie.verify(second, kNow + 300);
  REQUIRE(v2.valid());
  CHECK(v2.first_issued == kNow);
  CHECK(v2.issued == kNow + 300);
  CHECK(v2.expires == kNow + 700);
  CHECK(cookie.verify(second, kNow + 699).status == Status::Valid);

  // Refresh at +800: min(first + 1000, 800 + 400) = first + 1000.
  const std::string third = cookie.refresh(cookie.verify(second, kNow + 650), kNow + 800);
  auto v3 = cookie.verify(third, kNow + 800);
  REQUIRE(v3.valid());
  CHECK(v3.expires == kNow + 1000);
  CHECK(cookie.verify(third, kNow + 1000).status == Status::Expired);
  // Refreshing now could not move the expiry, so it is not asked for.
  CHECK_FALSE(cookie.needsRefresh(cookie.verify(third, kNow + 950), kNow + 950));
  // Refreshing an invalid Verified yields nothing.
  CHECK(cookie.refresh(cookie.verify("garbage", kNow), kNow).empty());
}

TEST_CASE("AffinityCookie: a shortened ttl applies to cookies already issued", "[routing]") {
  // Given a value issued under ttl 1 h, verified by a config with ttl 10 min, expect Expired
  // after 10 min.
  const std::string value = AffinityCookie(options()).issue("app-1", kNow);
  AffinityCookieOptions shorter = options();
  shorter.ttl = seconds(600);
  const AffinityCookie cookie(shorter);
  CHECK(cookie.verify(value, kNow + 599).status == Status::Valid);
  CHECK(cookie.verify(value, kNow + 600).status == Status::Expired);
}

TEST_CASE("AffinityCookie: secret rotation", "[routing]") {
  // Given a value signed with the old secret A, expect [B, A] to accept it, [B] alone to reject
  // it as BadSignature, and [B, A] to sign new values with B.
  const std::string old_value = AffinityCookie(options({kSecretA})).issue("app-1", kNow);
  const AffinityCookie rotated(options({kSecretB, kSecretA}));
  CHECK(rotated.verify(old_value, kNow).status == Status::Valid);
  CHECK(AffinityCookie(options({kSecretB})).verify(old_value, kNow).status ==
        Status::BadSignature);
  const std::string new_value = rotated.issue("app-1", kNow);
  CHECK(AffinityCookie(options({kSecretB})).verify(new_value, kNow).status == Status::Valid);
  CHECK(AffinityCookie(options({kSecretA})).verify(new_value, kNow).status ==
        Status::BadSignature);
  // No secret configured: nothing is issued, nothing verifies.
  const AffinityCookie none(options({}));
  CHECK(none.issue("app-1", kNow).empty());
  CHECK(none.verify(old_value, kNow).status == Status::BadSignature);
}

TEST_CASE("AffinityCookie: backend names with odd characters round-trip", "[routing]") {
  // Given names with separators, quotes, spaces, non-ASCII and NUL bytes, expect the exact name
  // back and a cookie-safe value.
  const AffinityCookie cookie(options());
  for (const std::string& name :
       {std::string("a.b.c"), std::string("x;y=z, \"q\"\\"), std::string("héllo wörld"),
        std::string("10.0.0.1:8080"), std::string("nul\0byte", 8), std::string(300, '~'),
        std::string("1"), std::string("12"), std::string("123")}) {
    const std::string value = cookie.issue(name, kNow);
    INFO(value);
    CHECK(value.find_first_of(" \";,\\") == std::string::npos);
    const auto v = cookie.verify(value, kNow);
    REQUIRE(v.valid());
    CHECK(v.backend == name);
  }
  CHECK(cookie.issue("", kNow).empty());  // no backend, no binding
}

TEST_CASE("AffinityCookie: setCookie attributes", "[routing]") {
  // Given a full config, expect every attribute in the documented order; given a minimal one
  // (no path, no SameSite, no HttpOnly), expect only name=value, Max-Age and Expires.
  AffinityCookieOptions full = options();
  full.name = "srv";
  full.domain = "example.com";
  full.secure = true;
  full.http_only = true;
  full.same_site = "Strict";
  full.attributes = {"Partitioned", "Priority=High"};
  const AffinityCookie cookie(full);
  const std::string value = cookie.issue("app-1", kNow);
  // kNow + 3600 = 1700003600 = Tue, 14 Nov 2023 23:13:20 GMT
  CHECK(cookie.setCookie(value, kNow) ==
        "srv=" + value +
            "; Path=/; Max-Age=3600; Expires=Tue, 14 Nov 2023 23:13:20 GMT; Domain=example.com;"
            " Secure; HttpOnly; SameSite=Strict; Partitioned; Priority=High");
  // Later, Max-Age counts down to the same Expires.
  CHECK(cookie.setCookie(value, kNow + 600).find("; Max-Age=3000; Expires=Tue, 14 Nov 2023 "
                                                 "23:13:20 GMT;") != std::string::npos);

  AffinityCookieOptions minimal = options();
  minimal.path = "";
  minimal.http_only = false;
  minimal.same_site = "";
  const AffinityCookie bare(minimal);
  const std::string v2 = bare.issue("b", 0);
  // 0 + 3600 = Thu, 01 Jan 1970 01:00:00 GMT
  CHECK(bare.setCookie(v2, 0) ==
        "tether_affinity=" + v2 + "; Max-Age=3600; Expires=Thu, 01 Jan 1970 01:00:00 GMT");
  // A leap day, to pin the date arithmetic: 951782400 = Tue, 29 Feb 2000 00:00:00 GMT.
  CHECK(bare.setCookie(bare.issue("b", 951782400 - 3600), 951782400 - 3600)
            .find("Expires=Tue, 29 Feb 2000 00:00:00 GMT") != std::string::npos);
  // An unparseable value deletes the cookie rather than guessing an expiry.
  CHECK(bare.setCookie("junk", kNow) ==
        "tether_affinity=junk; Max-Age=0; Expires=Tue, 14 Nov 2023 22:13:20 GMT");
}

TEST_CASE("AffinityCookie: random bytes never verify and never crash", "[routing]") {
  // Given 10k random values (raw bytes, and cookie-alphabet strings with the right shape),
  // expect none to be Valid. Run under ASan/UBSan to make "never crashes" mean something.
  const AffinityCookie cookie(options());
  std::mt19937_64 rng(12345);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  for (int i = 0; i < 10000; ++i) {
    const size_t len = rng() % 120;
    std::string s(len, '\0');
    if (i % 2 == 0) {
      for (char& c : s) c = static_cast<char>(rng());
    } else {
      for (char& c : s) c = alphabet[rng() % alphabet.size()];
    }
    const auto v = cookie.verify(s, kNow);
    CHECK(v.status != Status::Valid);
    (void)cookie.setCookie(s, kNow);
  }
  // Well-shaped but unsigned: BadSignature, not Malformed.
  CHECK(cookie.verify("YQ.1.1.9999999999.AAAAAAAAAAAAAAAAAAAAAA", kNow).status ==
        Status::BadSignature);
  CHECK(cookie.verify(std::string(AffinityCookie::kMaxValueBytes + 1, 'A'), kNow).status ==
        Status::Malformed);
}

TEST_CASE("AffinityCookie: one instance is shared by concurrent workers", "[routing]") {
  // Given 4 threads issuing and verifying through one instance (the keyed MAC contexts are
  // shared and duplicated per call), expect every round trip Valid with its own name.
  const AffinityCookie cookie(options({kSecretB, kSecretA}));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&cookie, &failures, w] {
      const std::string name = "backend-" + std::to_string(w);
      for (int i = 0; i < 2000; ++i) {
        const auto v = cookie.verify(cookie.issue(name, kNow + i), kNow + i);
        if (!v.valid() || v.backend != name) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
}

} // namespace
} // namespace tether::routing
