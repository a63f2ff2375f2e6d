#pragma once
// LoginSessions: the in-process login sessions of one demo backend, deliberately NOT shared with
// other processes. That is the point of the demo: a session created on app1 is unknown to app2,
// exactly like a legacy service that keeps sessions in memory, so a non-sticky balancer "logs the
// user out" whenever it sends a request elsewhere.
//
// Loop thread only (the demo app is single-threaded). Memory is bounded: past kMaxSessions an
// arbitrary old session is dropped, so a benchmark hammering /login cannot grow the process
// without limit.

#include <cstddef>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tether::demo {

class LoginSessions {
public:
  // Why 100 000: enough for any interactive demo or login benchmark, about 10 MB at most.
  static constexpr size_t kMaxSessions = 100000;

  LoginSessions();

  // Creates a session for `user` and returns its token: 32 lowercase hex digits (128 random bits).
  std::string create(std::string_view user);
  // User name of a known session, or nullopt. The view is valid until the next create()/erase().
  std::optional<std::string_view> find(std::string_view token) const;
  // Forgets a session; returns false if it was not known.
  bool erase(std::string_view token);
  size_t size() const { return sessions_.size(); }

private:
  // Transparent hash so lookups by string_view need no temporary std::string.
  struct TokenHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, TokenHash, std::equal_to<>> sessions_;
  // Seeded once from std::random_device. Not a CSPRNG: someone who collects enough tokens could
  // predict the next ones. Fine for a demo; a real service would call getrandom() per token.
  std::mt19937_64 rng_;
};

// Value of cookie `name` in one Cookie header value ("a=1; DEMOSESSION=abc;b=2"), or nullopt.
// Tolerates missing or extra spaces around ';' and '=', and strips one pair of double quotes
// (RFC 6265 §4.2.1 cookie-value may be quoted). The first occurrence wins.
std::optional<std::string_view> findCookie(std::string_view cookie_header, std::string_view name);

// True for names safe to echo in a text/plain body: 1..64 of [A-Za-z0-9._-].
bool validUserName(std::string_view user);

} // namespace tether::demo
