#pragma once
// Value checks for config fields: text in, a typed value or a human-readable reason out.
//
// Kept apart from the YAML walk (config_loader.cc) so every rule about what a duration, address or
// number may look like lives in one place and is tested without building documents. Nothing here
// knows about yaml-cpp, positions or key paths: the loader prefixes "path: " and adds line:col.
// Pure functions; any thread. Never throws (bad input is a ParseResult carrying a message).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_model.h"

namespace tether::config {

template <class T> struct ParseResult {
  std::optional<T> value;  // set on success
  std::string error;       // set on failure: a full sentence fragment, no key path

  bool ok() const { return value.has_value(); }
  static ParseResult success(T v) { return {std::move(v), {}}; }
  static ParseResult failure(std::string e) { return {std::nullopt, std::move(e)}; }
};

// The longest duration accepted. Far beyond any sensible timeout, and far below the point where
// adding it to a steady_clock time point (nanoseconds in int64) could overflow.
constexpr Duration kMaxDuration = std::chrono::hours(24 * 365);

// "250ms", "10s", "2m", "1h". A unit is required (a bare "10" is ambiguous) and the value must be
// greater than zero and at most kMaxDuration.
ParseResult<Duration> parseDuration(std::string_view text);

// A plain decimal number in [min, max]: no sign, no hex, no spaces, no trailing characters.
ParseResult<uint64_t> parseUnsigned(std::string_view text, uint64_t min, uint64_t max);

// Exactly "true" or "false". YAML 1.1's yes/no/on/off are refused: they surprise people.
ParseResult<bool> parseBool(std::string_view text);

// "IPv4:port" or "[IPv6]:port" with a numeric host (host names are not resolved). The host is
// stored in canonical inet_ntop form so "[0::1]:80" and "[::1]:80" are the same identity. Port 0
// ("any free port") only when `allow_port_zero`, which listeners use and backends must not.
ParseResult<SocketAddress> parseSocketAddress(std::string_view text, bool allow_port_zero);

// Backend names become identities in logs, headers and stick-table entries, so they must be
// non-empty printable ASCII without spaces. Returns the reason when `name` is unacceptable.
std::optional<std::string> checkBackendName(std::string_view name);

// `name` as a routing strategy (routing::strategyNames()), or the reason it is none.
ParseResult<routing::StrategyKind> parseStrategyName(std::string_view name);

// routing.maglev.table_size ceiling: a prime, and at 4 bytes a slot a 40 MB table per snapshot.
constexpr uint32_t kMaxMaglevTableSize = 10000019;
// Trial division: fine for the numbers config sees (at most kMaxMaglevTableSize).
bool isPrime(uint64_t n);
// The smallest prime >= n (for "try 65537" hints).
uint64_t nextPrime(uint64_t n);

// routing.balance_factor: "0" (bounded loads off) or a plain decimal ("1.25", "2") greater than
// 1.0 and at most kMaxBalanceFactor. No sign, exponent or spaces.
constexpr double kMaxBalanceFactor = 100;
ParseResult<double> parseBalanceFactor(std::string_view text);

// Names that travel in HTTP: the reason each is unacceptable, or nullopt.
// A cookie or header name is an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~).
std::optional<std::string> checkCookieName(std::string_view name);
std::optional<std::string> checkHeaderName(std::string_view name);
// A query parameter name: non-empty printable ASCII without space, '&', '=', '#' or '?'.
std::optional<std::string> checkQueryParamName(std::string_view name);
// Affinity cookie attributes are written into Set-Cookie verbatim, so none may contain ';' or a
// control character (that would inject attributes or split the header). The path must start
// with '/'; the domain is letters, digits, '.' and '-'.
std::optional<std::string> checkCookiePath(std::string_view path);
std::optional<std::string> checkCookieDomain(std::string_view domain);
std::optional<std::string> checkCookieAttribute(std::string_view attribute);

// --- health, drain and admin (health_section.cc) ---

// "0", "0ms", "0s", "0m" or "0h" (off), or anything parseDuration accepts. For keys where zero
// means "none" (health.slow_start, drain.timeout); parseDuration itself refuses 0 because a zero
// timeout elsewhere would fire at once.
ParseResult<Duration> parseDurationOrZero(std::string_view text);

// health.active.expect_status: "200" or "200-399", codes in 100..599, low <= high.
struct StatusRange {
  uint16_t min = 0;
  uint16_t max = 0;
};
ParseResult<StatusRange> parseStatusRange(std::string_view text);

// health.active.jitter: "10%" or a bare "10", 0..kMaxJitterPercent. Above 50% an interval could
// shrink to half its length and probes would bunch up instead of spreading out.
constexpr uint32_t kMaxJitterPercent = 50;
ParseResult<uint32_t> parseJitterPercent(std::string_view text);

// health.active.path is written into the probe's request line and health.active.host into its
// Host header, so both are printable ASCII without spaces or control characters (a space would
// split the request line, CR/LF would inject headers). The path must start with '/'.
std::optional<std::string> checkProbePath(std::string_view path);
std::optional<std::string> checkProbeHost(std::string_view host);

// admin.token: at least kMinAdminToken bytes of printable ASCII without spaces (it travels as
// `Authorization: Bearer <token>`). Messages never echo the token: they end up in logs.
constexpr size_t kMinAdminToken = 16;
std::optional<std::string> checkAdminToken(std::string_view token);

// True for 127.0.0.0/8 and ::1, given a canonical numeric host (as parseSocketAddress stores it).
// Anything else, including the wildcards and IPv4-mapped loopback, counts as reachable from
// other machines.
bool isLoopbackHost(std::string_view host);

// Whether listeners on `a` and `b` would claim the same connections: same nonzero port and either
// the same host, or one side a wildcard covering the other ("0.0.0.0" covers every IPv4 host; "::"
// covers every host, because Linux IPv6 sockets are dual-stack by default). Such a clash fails
// at bind, late and far from the config line, or, since the proxy listeners use SO_REUSEPORT,
// could even succeed and split connections between the two. Port 0 never overlaps: each gets
// its own free port.
bool addressesOverlap(const SocketAddress& a, const SocketAddress& b);

// "a, b, c": for "expected one of: ..." messages.
std::string joinNames(std::span<const std::string_view> names);

} // namespace tether::config
