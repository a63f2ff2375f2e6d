#pragma once
// AffinityCookie: binds a browser session to a backend with an HMAC-signed cookie.
//
// Placement (the strategy + bounded loads) picks a backend for a NEW session; from then on the
// session is bound by this cookie, which names the backend by its stable name (BackendKey, never
// its address or BackendId) and carries wall-clock times, so it survives restarts, reloads and
// other tether instances sharing the secrets.
//
// Value format (every byte an RFC 6265 cookie-octet; fields joined by '.'):
//
//   base64url(backend name) . first_issued . issued . expires . base64url(HMAC-SHA256[0..16))
//
// Times are decimal Unix seconds with no sign or leading zeros. The MAC covers a domain label, the
// cookie name and every byte before the last '.', so a value cannot be replayed under another
// cookie name or re-labelled with other times. It is truncated to 16 bytes (128 bits): forging
// still takes ~2^127 online guesses, each of which costs the attacker a request, while the value
// stays 22 characters shorter than the full 32-byte tag (RFC 2104 §5 allows truncation to
// half the hash length; NIST SP 800-107 asks for at least 64 bits).
//
// Expiry: expires = first_issued + ttl, or with idle_ttl > 0, min(first_issued + ttl,
// issued + idle_ttl). refresh() keeps first_issued, so sliding never extends past ttl. verify()
// also re-applies the CURRENT ttl/idle_ttl to the carried times, so shortening them in config
// takes effect for cookies already out there.
//
// Secrets: the first signs, all verify (rotation: prepend the new one, remove the old one once
// its cookies have expired).
//
// Immutable after construction; any thread. Never throws (OpenSSL failures become an empty
// issue() result and BadSignature from verify(); neither happens with a working libcrypto).
// Validating the cookie name (an RFC 6265 token), attributes, and SameSite=None => Secure is
// config/'s job.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tether::routing {

// Mirrors config::AffinityCookieConfig (routing must not depend on config/).
struct AffinityCookieOptions {
  std::string name = "tether_affinity";
  std::chrono::milliseconds ttl = std::chrono::hours(24);  // absolute lifetime from first issue
  std::chrono::milliseconds idle_ttl{0};  // 0 = none; else expires after this long unused
  std::string path = "/";                 // "" = omit Path
  std::string domain;                     // "" = host-only
  bool secure = false;
  bool http_only = true;
  std::string same_site = "Lax";          // Strict | Lax | None | "" (omit)
  std::vector<std::string> attributes;    // appended verbatim
  std::vector<std::string> secrets;       // first signs, all verify
};

class AffinityCookie {
public:
  // 128-bit tag: see the header comment for why.
  static constexpr size_t kMacBytes = 16;
  // Values longer than this are Malformed without further work (browsers cap a cookie at 4096).
  static constexpr size_t kMaxValueBytes = 4096;

  struct Verified {
    enum class Status { Valid = 0, Malformed, BadSignature, Expired };
    Status status = Status::Malformed;
    std::string_view backend;  // points into backend_name; empty unless Valid or Expired
    int64_t first_issued = 0;
    int64_t issued = 0;
    int64_t expires = 0;  // as carried in the value (before the current ttl is re-applied)
    std::string backend_name;

    Verified() = default;
    // `backend` must follow the buffer, so copies and moves re-point it.
    Verified(const Verified& other);
    Verified(Verified&& other) noexcept;
    Verified& operator=(const Verified& other);
    Verified& operator=(Verified&& other) noexcept;

    bool valid() const { return status == Status::Valid; }
  };

  explicit AffinityCookie(AffinityCookieOptions options);
  ~AffinityCookie();
  AffinityCookie(const AffinityCookie&) = delete;
  AffinityCookie& operator=(const AffinityCookie&) = delete;

  // A fresh value for a NEW session: first_issued = issued = now. Empty only if libcrypto fails
  // or no secret is configured (the caller then sends no cookie; the session stays unbound).
  std::string issue(std::string_view backend_name, int64_t now_unix_s) const;

  // A value for the same session with issued = now and first_issued carried over, so the expiry
  // slides with idle_ttl but never past first_issued + ttl. `verified` must be Valid.
  std::string refresh(const Verified& verified, int64_t now_unix_s) const;

  // The Set-Cookie field value for `value` (as returned by issue/refresh):
  //   name=value; Path=..; Max-Age=N; Expires=<IMF-fixdate>; Domain=..; Secure; HttpOnly;
  //   SameSite=..; <attributes...>
  // with only the configured attributes. Max-Age and Expires come from the value's own expiry.
  // A value that does not parse (a caller bug) gets Max-Age=0, which deletes the cookie: the
  // session is re-placed rather than bound to something unverifiable.
  std::string setCookie(std::string_view value, int64_t now_unix_s) const;

  // Parses and authenticates a cookie value from a request. Expired is reported only for
  // authentic values, so it reveals nothing to a forger. Constant-time tag comparison.
  Verified verify(std::string_view value, int64_t now_unix_s) const;

  // True when an active session's cookie should be re-issued: idle_ttl > 0, more than
  // idle_ttl/4 has passed since `issued`, and refreshing would move the expiry. Why a quarter:
  // refreshing on every response costs a Set-Cookie per response (bytes, and it makes responses
  // uncacheable for shared caches); refreshing late risks losing users who pause. With a
  // quarter, a user can always be idle for at least 3/4 of idle_ttl after their last request
  // and sees at most one Set-Cookie per idle_ttl/4 of activity.
  bool needsRefresh(const Verified& verified, int64_t now_unix_s) const;

  const AffinityCookieOptions& options() const { return options_; }

private:
  struct MacKeys;

  std::string build(std::string_view backend_name, int64_t first_issued,
                    int64_t now_unix_s) const;
  int64_t expiryFor(int64_t first_issued, int64_t issued) const;

  AffinityCookieOptions options_;
  int64_t ttl_s_;       // options_.ttl in whole seconds, rounded up
  int64_t idle_ttl_s_;  // 0 = no idle expiry
  std::unique_ptr<MacKeys> keys_;
};

using AffinityCookieConstSharedPtr = std::shared_ptr<const AffinityCookie>;

} // namespace tether::routing
