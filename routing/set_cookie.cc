#include "routing/set_cookie.h"

#include <charconv>
#include <ctime>
#include <string>

namespace tether::routing {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the only Expires form RFC 6265 §4.1.1 asks
// servers to send; anything else is treated as "not a deletion" (the safe side: keep the binding).
std::optional<int64_t> parseImfFixdate(std::string_view s) {
  const std::string text(s);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

} // namespace

std::optional<SetCookieView> parseSetCookie(std::string_view field, int64_t now_unix_s) {
  const auto semi = field.find(';');
  const auto pair = trim(field.substr(0, semi));
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  SetCookieView out;
  out.name = trim(pair.substr(0, eq));
  out.value = trim(pair.substr(eq + 1));
  if (out.value.size() >= 2 && out.value.front() == '"' && out.value.back() == '"') {
    out.value = out.value.substr(1, out.value.size() - 2);
  }
  std::string_view attrs = semi == std::string_view::npos ? std::string_view() : field.substr(semi + 1);
  bool have_max_age = false;
  while (!attrs.empty()) {
    const auto next = attrs.find(';');
    const auto attr = trim(attrs.substr(0, next));
    attrs = next == std::string_view::npos ? std::string_view() : attrs.substr(next + 1);
    const auto aeq = attr.find('=');
    const auto key = trim(attr.substr(0, aeq));
    const auto val = aeq == std::string_view::npos ? std::string_view() : trim(attr.substr(aeq + 1));
    if (iequals(key, "max-age")) {
      // §5.2.2: Max-Age wins over Expires; a value <= 0 deletes the cookie.
      int64_t secs = 0;
      const bool negative = !val.empty() && val.front() == '-';
      const auto digits = negative ? val.substr(1) : val;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), secs);
      if (ec == std::errc() && p == digits.data() + digits.size() && !digits.empty()) {
        have_max_age = true;
        out.deletes = negative || secs == 0;
      }
    } else if (iequals(key, "expires") && !have_max_age) {
      if (auto when = parseImfFixdate(val)) out.deletes = *when <= now_unix_s;
    }
  }
  return out;
}

} // namespace tether::routing
