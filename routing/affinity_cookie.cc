#include "routing/affinity_cookie.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

namespace tether::routing {
namespace {

// Domain separation: a tag made for anything else with the same secret never verifies here, and
// a future v2 layout cannot be confused with this one.
constexpr std::string_view kMacLabel = "tether-affinity-v1\n";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// 18 digits: any value fits in int64_t without an overflow check, and covers 3e10 years.
constexpr size_t kMaxDigits = 18;

std::string base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(in[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(in[i + 1])} << 8) |
                       uint32_t{static_cast<uint8_t>(in[i + 2])};
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += kBase64Url[v & 63];
  }
  const size_t rest = in.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{static_cast<uint8_t>(in[i])} << 16;
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(in[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(in[i + 1])} << 8);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
  }
  return out;
}

int base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: no padding, and the unused low bits of the last character must be zero. Without that,
// several spellings decode to the same bytes and a flipped character could still verify.
std::optional<std::string> base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = base64UrlValue(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<int64_t> parseDecimal(std::string_view s) {
  if (s.empty() || s.size() > kMaxDigits) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;  // one spelling per number
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

int64_t saturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

int64_t ceilSeconds(std::chrono::milliseconds d) {
  if (d.count() <= 0) return 0;
  return (d.count() + 999) / 1000;
}

struct ParsedValue {
  std::string backend_name;
  int64_t first_issued = 0;
  int64_t issued = 0;
  int64_t expires = 0;
  std::string_view signed_part;  // everything before the last '.'
  std::string mac;
};

std::optional<ParsedValue> parseValue(std::string_view value) {
  if (value.size() > AffinityCookie::kMaxValueBytes) return std::nullopt;
  std::array<std::string_view, 5> fields;
  size_t start = 0;
  for (size_t f = 0; f < fields.size(); ++f) {
    const size_t dot = value.find('.', start);
    const bool last = f + 1 == fields.size();
    if (last != (dot == std::string_view::npos)) return std::nullopt;  // exactly 4 dots
    fields[f] = value.substr(start, last ? std::string_view::npos : dot - start);
    start = dot + 1;
  }
  ParsedValue p;
  auto name = base64UrlDecode(fields[0]);
  auto first = parseDecimal(fields[1]);
  auto issued = parseDecimal(fields[2]);
  auto expires = parseDecimal(fields[3]);
  auto mac = base64UrlDecode(fields[4]);
  if (!name || name->empty() || !first || !issued || !expires || !mac ||
      mac->size() != AffinityCookie::kMacBytes || *first > *issued) {
    return std::nullopt;
  }
  p.backend_name = std::move(*name);
  p.first_issued = *first;
  p.issued = *issued;
  p.expires = *expires;
  p.signed_part = value.substr(0, value.size() - fields[4].size() - 1);
  p.mac = std::move(*mac);
  return p;
}

// IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT". Computed here rather than
// with gmtime/strftime so it depends on neither the C locale nor the TZ database.
std::string imfFixdate(int64_t unix_s) {
  static constexpr std::string_view kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // Clamp to years 1970..9999 so the four-digit year of the format always holds.
  unix_s = std::clamp<int64_t>(unix_s, 0, 253402300799);
  const int64_t days = unix_s / 86400;
  const int64_t secs = unix_s % 86400;
  // civil_from_days, Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".
  const int64_t z = days + 719468;
  const int64_t era = z / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  auto two = [](int64_t v) {
    return std::string{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
  };
  std::string out;
  out.reserve(29);
  out += kDays[days % 7];
  out += ", ";
  out += two(day);
  out += ' ';
  out += kMonths[month - 1];
  out += ' ';
  out += std::to_string(year);
  out += ' ';
  out += two(secs / 3600);
  out += ':';
  out += two(secs / 60 % 60);
  out += ':';
  out += two(secs % 60);
  out += " GMT";
  return out;
}

} // namespace

// One keyed HMAC-SHA256 context per secret. Keying (hashing the padded key) is done once here;
// each MAC duplicates the keyed context, which also avoids a provider fetch per request (a
// known lock hotspot in OpenSSL 3's one-shot HMAC()). Duplicating only reads the source, so the
// contexts can be shared by all workers.
struct AffinityCookie::MacKeys {
  EVP_MAC* mac = nullptr;
  std::vector<EVP_MAC_CTX*> keyed;  // parallel to secrets; nullptr if keying failed

  ~MacKeys() {
    for (EVP_MAC_CTX* ctx : keyed) EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }

  // Writes the truncated tag for `secret_index` into `out`; false on any libcrypto failure.
  bool compute(size_t secret_index, std::string_view cookie_name, std::string_view signed_part,
               std::array<unsigned char, kMacBytes>& out) const {
    if (secret_index >= keyed.size() || keyed[secret_index] == nullptr) return false;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed[secret_index]);
    if (ctx == nullptr) return false;
    std::array<unsigned char, EVP_MAX_MD_SIZE> full{};
    size_t full_len = 0;
    const char newline = '\n';
    const bool ok =
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(kMacLabel.data()),
                       kMacLabel.size()) == 1 &&
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(cookie_name.data()),
                       cookie_name.size()) == 1 &&
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(&newline), 1) == 1 &&
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1 &&
        EVP_MAC_final(ctx, full.data(), &full_len, full.size()) == 1 && full_len >= kMacBytes;
    EVP_MAC_CTX_free(ctx);
    if (ok) std::copy_n(full.begin(), kMacBytes, out.begin());
    return ok;
  }
};

AffinityCookie::Verified::Verified(const Verified& other)
    : status(other.status), first_issued(other.first_issued), issued(other.issued),
      expires(other.expires), backend_name(other.backend_name) {
  backend = other.backend.empty() ? std::string_view{} : std::string_view{backend_name};
}

AffinityCookie::Verified::Verified(Verified&& other) noexcept
    : status(other.status), first_issued(other.first_issued), issued(other.issued),
      expires(other.expires), backend_name(std::move(other.backend_name)) {
  backend = other.backend.empty() ? std::string_view{} : std::string_view{backend_name};
  other.backend = {};
}

AffinityCookie::Verified& AffinityCookie::Verified::operator=(const Verified& other) {
  if (this != &other) *this = Verified(other);
  return *this;
}

AffinityCookie::Verified& AffinityCookie::Verified::operator=(Verified&& other) noexcept {
  if (this == &other) return *this;
  status = other.status;
  first_issued = other.first_issued;
  issued = other.issued;
  expires = other.expires;
  backend_name = std::move(other.backend_name);
  backend = other.backend.empty() ? std::string_view{} : std::string_view{backend_name};
  other.backend = {};
  return *this;
}

AffinityCookie::AffinityCookie(AffinityCookieOptions options)
    : options_(std::move(options)), ttl_s_(ceilSeconds(options_.ttl)),
      idle_ttl_s_(ceilSeconds(options_.idle_ttl)), keys_(std::make_unique<MacKeys>()) {
  keys_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  for (const std::string& secret : options_.secrets) {
    EVP_MAC_CTX* ctx = keys_->mac != nullptr ? EVP_MAC_CTX_new(keys_->mac) : nullptr;
    if (ctx != nullptr) {
      char digest[] = "SHA256";
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
          OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size(), params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = nullptr;
      }
    }
    keys_->keyed.push_back(ctx);
  }
}

AffinityCookie::~AffinityCookie() = default;

int64_t AffinityCookie::expiryFor(int64_t first_issued, int64_t issued) const {
  const int64_t absolute = saturatingAdd(first_issued, ttl_s_);
  if (idle_ttl_s_ <= 0) return absolute;
  return std::min(absolute, saturatingAdd(issued, idle_ttl_s_));
}

std::string AffinityCookie::build(std::string_view backend_name, int64_t first_issued,
                                  int64_t now_unix_s) const {
  if (backend_name.empty() || first_issued < 0) return {};
  const int64_t issued = std::max(now_unix_s, first_issued);
  const int64_t expires = expiryFor(first_issued, issued);
  // parseDecimal accepts at most kMaxDigits; refuse to sign anything verify() would reject.
  constexpr int64_t kMaxTime = 999'999'999'999'999'999;
  if (expires > kMaxTime || issued > kMaxTime) return {};
  std::string value = base64UrlEncode(backend_name);
  value += '.';
  value += std::to_string(first_issued);
  value += '.';
  value += std::to_string(issued);
  value += '.';
  value += std::to_string(expires);
  std::array<unsigned char, kMacBytes> mac{};
  if (!keys_->compute(0, options_.name, value, mac)) return {};
  value += '.';
  value += base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  return value;
}

std::string AffinityCookie::issue(std::string_view backend_name, int64_t now_unix_s) const {
  return build(backend_name, now_unix_s, now_unix_s);
}

std::string AffinityCookie::refresh(const Verified& verified, int64_t now_unix_s) const {
  if (!verified.valid()) return {};
  return build(verified.backend_name, verified.first_issued, now_unix_s);
}

std::string AffinityCookie::setCookie(std::string_view value, int64_t now_unix_s) const {
  int64_t max_age = 0;
  if (auto parsed = parseValue(value)) {
    max_age = std::max<int64_t>(0, parsed->expires - now_unix_s);
  }
  std::string out;
  out.reserve(options_.name.size() + value.size() + 128);
  out += options_.name;
  out += '=';
  out += value;
  if (!options_.path.empty()) {
    out += "; Path=";
    out += options_.path;
  }
  // Both: Max-Age wins where supported (RFC 6265 §5.3 step 3), Expires serves old clients.
  out += "; Max-Age=";
  out += std::to_string(max_age);
  out += "; Expires=";
  out += imfFixdate(saturatingAdd(now_unix_s, max_age));
  if (!options_.domain.empty()) {
    out += "; Domain=";
    out += options_.domain;
  }
  if (options_.secure) out += "; Secure";
  if (options_.http_only) out += "; HttpOnly";
  if (!options_.same_site.empty()) {
    out += "; SameSite=";
    out += options_.same_site;
  }
  for (const std::string& attribute : options_.attributes) {
    out += "; ";
    out += attribute;
  }
  return out;
}

AffinityCookie::Verified AffinityCookie::verify(std::string_view value, int64_t now_unix_s) const {
  Verified result;
  auto parsed = parseValue(value);
  if (!parsed) return result;  // Malformed

  result.status = Verified::Status::BadSignature;
  bool authentic = false;
  std::array<unsigned char, kMacBytes> expected{};
  // Every secret is tried even after a match, so the time taken does not reveal which one
  // signed (cheap: a handful of secrets at most).
  for (size_t i = 0; i < options_.secrets.size(); ++i) {
    if (keys_->compute(i, options_.name, parsed->signed_part, expected) &&
        CRYPTO_memcmp(expected.data(), parsed->mac.data(), kMacBytes) == 0) {
      authentic = true;
    }
  }
  if (!authentic) return result;

  result.first_issued = parsed->first_issued;
  result.issued = parsed->issued;
  result.expires = parsed->expires;
  result.backend_name = std::move(parsed->backend_name);
  result.backend = result.backend_name;
  // The current ttl/idle_ttl are re-applied so shortening them in config takes effect at once.
  const int64_t effective = std::min(result.expires, expiryFor(result.first_issued, result.issued));
  result.status = now_unix_s >= effective ? Verified::Status::Expired : Verified::Status::Valid;
  return result;
}

bool AffinityCookie::needsRefresh(const Verified& verified, int64_t now_unix_s) const {
  if (!verified.valid() || idle_ttl_s_ <= 0) return false;
  // For integers, since > floor(idle/4) is exactly since > idle/4, and cannot overflow.
  if (now_unix_s - verified.issued <= idle_ttl_s_ / 4) return false;
  // Past the point where refreshing can move the expiry (first_issued + ttl), it is just noise.
  return expiryFor(verified.first_issued, now_unix_s) > verified.expires;
}

} // namespace tether::routing
