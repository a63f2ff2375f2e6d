// Value checks for config fields (see validate.h). Every message here names the offending text and
// shows what would have been accepted, because the person reading it is fixing a file by hand.

#include "config/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace tether::config {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isDigit);
}

// Digits only, then from_chars: from_chars alone would accept a leading '-' for signed types and
// we want "+5", " 5", "0x10" and "5.0" refused as well.
std::optional<uint64_t> decimal(std::string_view s) {
  if (!allDigits(s)) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Anything with a letter that failed inet_pton as IPv4 was meant as a name ("localhost",
// "db.internal"), and deserves the "we do not resolve" explanation rather than "bad IPv4".
bool looksLikeHostName(std::string_view host) {
  return std::any_of(host.begin(), host.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

} // namespace

ParseResult<Duration> parseDuration(std::string_view text) {
  using R = ParseResult<Duration>;
  const std::string hint = " (use e.g. 250ms, 10s, 2m, 1h)";
  const std::string quoted = "'" + std::string(text) + "'";
  size_t digits = 0;
  while (digits < text.size() && isDigit(text[digits])) ++digits;
  const std::string_view number = text.substr(0, digits);
  const std::string_view unit = text.substr(digits);
  if (number.empty()) return R::failure("invalid duration " + quoted + hint);
  if (unit.empty()) return R::failure("invalid duration " + quoted + ": a unit is required" + hint);

  uint64_t ms_per_unit = 0;
  if (unit == "ms") ms_per_unit = 1;
  else if (unit == "s") ms_per_unit = 1000;
  else if (unit == "m") ms_per_unit = 60 * 1000;
  else if (unit == "h") ms_per_unit = 60 * 60 * 1000;
  else return R::failure("invalid duration " + quoted + hint);

  const auto max_ms = static_cast<uint64_t>(kMaxDuration.count());
  const auto n = decimal(number);
  // A number too long for uint64 is just as much "too large" as 9000h.
  if (!n || *n > max_ms / ms_per_unit) {
    return R::failure("invalid duration " + quoted + ": larger than the maximum of " +
                      std::to_string(max_ms / (60 * 60 * 1000)) + "h");
  }
  if (*n == 0) return R::failure("invalid duration " + quoted + ": must be greater than 0");
  return R::success(Duration(static_cast<int64_t>(*n * ms_per_unit)));
}

ParseResult<uint64_t> parseUnsigned(std::string_view text, uint64_t min, uint64_t max) {
  using R = ParseResult<uint64_t>;
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (!allDigits(text)) {
    return R::failure("invalid number '" + std::string(text) + "' (expected a whole number in " +
                      range + ")");
  }
  const auto v = decimal(text);
  if (!v || *v < min || *v > max) {
    return R::failure(std::string(text) + " is out of range (expected " + range + ")");
  }
  return R::success(*v);
}

ParseResult<bool> parseBool(std::string_view text) {
  if (text == "true") return ParseResult<bool>::success(true);
  if (text == "false") return ParseResult<bool>::success(false);
  return ParseResult<bool>::failure("expected true or false, got '" + std::string(text) + "'");
}

ParseResult<SocketAddress> parseSocketAddress(std::string_view text, bool allow_port_zero) {
  using R = ParseResult<SocketAddress>;
  const std::string quoted = "'" + std::string(text) + "'";
  const std::string hint =
      " (expected IPv4:port or [IPv6]:port, e.g. 127.0.0.1:8080 or [::1]:8080)";

  std::string_view host;
  std::string_view port_text;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return R::failure("invalid address " + quoted + ": missing ']'" + hint);
    }
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return R::failure("invalid address " + quoted + ": missing port" + hint);
    }
    port_text = rest.substr(1);
    v6 = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return R::failure("invalid address " + quoted + ": missing port" + hint);
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return R::failure("invalid address " + quoted +
                        ": IPv6 addresses must be in brackets, e.g. [::1]:8080");
    }
  }
  if (host.empty()) return R::failure("invalid address " + quoted + ": missing host" + hint);

  // inet_pton needs a terminated string; 16 bytes holds either family.
  const std::string host_str(host);
  unsigned char raw[16];
  const int family = v6 ? AF_INET6 : AF_INET;
  if (inet_pton(family, host_str.c_str(), raw) != 1) {
    if (!v6 && looksLikeHostName(host)) {
      return R::failure("invalid address " + quoted +
                        ": host names are not resolved; use a numeric IP address");
    }
    return R::failure("invalid address " + quoted + ": '" + host_str + "' is not a numeric " +
                      (v6 ? "IPv6" : "IPv4") + " address" + hint);
  }

  const uint64_t min_port = allow_port_zero ? 0 : 1;
  const auto port = decimal(port_text);
  if (!port || *port < min_port || *port > 65535) {
    return R::failure("invalid address " + quoted + ": port must be a number from " +
                      std::to_string(min_port) + " to 65535");
  }

  char canonical[INET6_ADDRSTRLEN];
  if (inet_ntop(family, raw, canonical, sizeof canonical) == nullptr) {
    return R::failure("invalid address " + quoted + hint);  // cannot happen after inet_pton
  }
  SocketAddress addr;
  addr.host = canonical;
  addr.port = static_cast<uint16_t>(*port);
  return R::success(std::move(addr));
}

std::optional<std::string> checkBackendName(std::string_view name) {
  if (name.empty()) return std::string("backend name must not be empty");
  constexpr size_t kMaxName = 255;  // fits in a cookie value and a log column
  if (name.size() > kMaxName) {
    return "backend name is longer than " + std::to_string(kMaxName) + " characters";
  }
  for (char c : name) {
    if (c <= ' ' || c >= 0x7f) {
      return "backend name '" + std::string(name) +
             "' must be printable ASCII without spaces or control characters";
    }
  }
  return std::nullopt;
}

ParseResult<routing::StrategyKind> parseStrategyName(std::string_view name) {
  using R = ParseResult<routing::StrategyKind>;
  if (auto kind = routing::parseStrategy(name)) return R::success(*kind);
  return R::failure("unknown strategy '" + std::string(name) + "' (expected one of: " +
                    joinNames(routing::strategyNames()) + ")");
}

bool isPrime(uint64_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint64_t d = 3; d <= n / d; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

uint64_t nextPrime(uint64_t n) {
  while (!isPrime(n)) ++n;
  return n;
}

ParseResult<double> parseBalanceFactor(std::string_view text) {
  using R = ParseResult<double>;
  const std::string quoted = "'" + std::string(text) + "'";
  const std::string hint = " (expected 0 to turn bounded loads off, or a number greater than 1.0 "
                           "such as 1.25)";
  // Digits, optionally '.' and more digits: from_chars alone would take "1e3", "inf" and "-0".
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view("0") : text.substr(dot + 1);
  if (!allDigits(whole) || !allDigits(frac)) return R::failure("invalid number " + quoted + hint);
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return R::failure("invalid number " + quoted + hint);
  }
  if (v == 0) return R::success(0);
  // c <= 1 caps every backend at or below the average load, which no assignment can meet once
  // loads are uneven by even one session: every pick would spill.
  if (v <= 1.0) {
    return R::failure(std::string(text) + " is too small: the factor must be greater than 1.0 " +
                      "(1.0 or less leaves no backend room above the average load), or 0 to " +
                      "turn bounded loads off; 1.25 is a common choice");
  }
  if (v > kMaxBalanceFactor) {
    return R::failure(std::string(text) + " is larger than the maximum of 100 (a factor that " +
                      "large never bounds anything; use 0 to turn bounded loads off)");
  }
  return R::success(v);
}

namespace {

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::optional<std::string> checkToken(std::string_view name, const std::string& what) {
  if (name.empty()) return what + " must not be empty";
  if (!std::all_of(name.begin(), name.end(), isTokenChar)) {
    return what + " '" + std::string(name) +
           "' may contain only letters, digits and !#$%&'*+-.^_`|~ (an HTTP token)";
  }
  return std::nullopt;
}

bool isPrintable(char c) { return c > ' ' && c < 0x7f; }

} // namespace

std::optional<std::string> checkCookieName(std::string_view name) {
  return checkToken(name, "cookie name");
}

std::optional<std::string> checkHeaderName(std::string_view name) {
  return checkToken(name, "header name");
}

std::optional<std::string> checkQueryParamName(std::string_view name) {
  if (name.empty()) return std::string("query parameter name must not be empty");
  for (char c : name) {
    if (!isPrintable(c) || std::string_view("&=#?").find(c) != std::string_view::npos) {
      return "query parameter name '" + std::string(name) +
             "' must be printable ASCII without spaces, '&', '=', '#' or '?'";
    }
  }
  return std::nullopt;
}

std::optional<std::string> checkCookiePath(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return "cookie path '" + std::string(path) + "' must start with '/'";
  }
  for (char c : path) {
    if (!isPrintable(c) || c == ';') {
      return "cookie path '" + std::string(path) +
             "' must be printable ASCII without spaces or ';'";
    }
  }
  return std::nullopt;
}

std::optional<std::string> checkCookieDomain(std::string_view domain) {
  const bool ok = !domain.empty() && std::all_of(domain.begin(), domain.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '.' || c == '-';
  });
  if (ok) return std::nullopt;
  return "cookie domain '" + std::string(domain) +
         "' must be a host name of letters, digits, '.' and '-'";
}

std::optional<std::string> checkCookieAttribute(std::string_view attribute) {
  if (attribute.empty()) return std::string("cookie attribute must not be empty");
  for (char c : attribute) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ';') {
      return "cookie attribute '" + std::string(attribute) +
             "' must not contain ';' or control characters (it is written into Set-Cookie "
             "verbatim)";
    }
  }
  return std::nullopt;
}

ParseResult<Duration> parseDurationOrZero(std::string_view text) {
  for (std::string_view zero : {"0", "0ms", "0s", "0m", "0h"}) {
    if (text == zero) return ParseResult<Duration>::success(Duration(0));
  }
  auto r = parseDuration(text);
  // parseDuration's own advice would be misleading here: 0 is allowed, so say so.
  if (!r.ok()) r.error += "; or 0s for none";
  return r;
}

ParseResult<StatusRange> parseStatusRange(std::string_view text) {
  using R = ParseResult<StatusRange>;
  const std::string quoted = "'" + std::string(text) + "'";
  const std::string hint = " (expected a status code such as 200 or a range such as 200-399, "
                           "codes 100..599)";
  const size_t dash = text.find('-');
  const std::string_view low_text = text.substr(0, dash);
  const std::string_view high_text =
      dash == std::string_view::npos ? low_text : text.substr(dash + 1);
  const auto low = decimal(low_text);
  const auto high = decimal(high_text);
  if (!low || !high) return R::failure("invalid status " + quoted + hint);
  for (uint64_t code : {*low, *high}) {
    if (code < 100 || code > 599) {
      return R::failure("invalid status " + quoted + ": " + std::to_string(code) +
                        " is not an HTTP status code" + hint);
    }
  }
  if (*low > *high) {
    return R::failure("invalid status range " + quoted + ": the first code must not be above " +
                      "the second" + hint);
  }
  return R::success({static_cast<uint16_t>(*low), static_cast<uint16_t>(*high)});
}

ParseResult<uint32_t> parseJitterPercent(std::string_view text) {
  using R = ParseResult<uint32_t>;
  const std::string range = "0%.." + std::to_string(kMaxJitterPercent) + "%";
  std::string_view number = text;
  if (!number.empty() && number.back() == '%') number.remove_suffix(1);
  const auto v = decimal(number);
  if (!v) {
    return R::failure("invalid jitter '" + std::string(text) + "' (expected a percentage such " +
                      "as 10%, in " + range + ")");
  }
  if (*v > kMaxJitterPercent) {
    return R::failure("jitter '" + std::string(text) + "' is out of range (expected " + range +
                      "; more would let probes bunch up rather than spread out)");
  }
  return R::success(static_cast<uint32_t>(*v));
}

std::optional<std::string> checkProbePath(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return "probe path '" + std::string(path) + "' must start with '/'";
  }
  if (!std::all_of(path.begin(), path.end(), isPrintable)) {
    return "probe path '" + std::string(path) +
           "' must be printable ASCII without spaces or control characters (percent-encode "
           "them)";
  }
  return std::nullopt;
}

std::optional<std::string> checkProbeHost(std::string_view host) {
  if (host.empty()) {
    return std::string("probe Host must not be empty (remove 'host' to send the backend's "
                       "address)");
  }
  if (!std::all_of(host.begin(), host.end(), isPrintable)) {
    return "probe Host '" + std::string(host) +
           "' must be printable ASCII without spaces or control characters";
  }
  return std::nullopt;
}

std::optional<std::string> checkAdminToken(std::string_view token) {
  if (token.size() < kMinAdminToken) {
    return "the token must be at least " + std::to_string(kMinAdminToken) + " bytes long (got " +
           std::to_string(token.size()) + ")";
  }
  if (!std::all_of(token.begin(), token.end(), isPrintable)) {
    return std::string("the token must be printable ASCII without spaces or control characters "
                       "(it is sent as 'Authorization: Bearer <token>')");
  }
  return std::nullopt;
}

bool isLoopbackHost(std::string_view host) {
  if (host == "::1") return true;
  const std::string text(host);
  unsigned char raw[4];
  return inet_pton(AF_INET, text.c_str(), raw) == 1 && raw[0] == 127;
}

namespace {

bool isIpv4Host(const std::string& host) { return host.find(':') == std::string::npos; }

// Whether a listener on wildcard host `w` also accepts connections addressed to `host`.
bool covers(const std::string& w, const std::string& host) {
  return w == "::" || (w == "0.0.0.0" && isIpv4Host(host));
}

} // namespace

bool addressesOverlap(const SocketAddress& a, const SocketAddress& b) {
  if (a.port == 0 || a.port != b.port) return false;
  return a.host == b.host || covers(a.host, b.host) || covers(b.host, a.host);
}

std::string joinNames(std::span<const std::string_view> names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

} // namespace tether::config
