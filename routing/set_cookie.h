#pragma once
// Reading an application's Set-Cookie field (RFC 6265 §5.2) just enough to learn a session
// binding from it: the cookie's name and value, and whether it deletes the cookie (Max-Age <= 0,
// or an Expires date in the past), which is how applications log a user out.
// Pure; never throws; a field that does not parse yields nullopt and is ignored by the caller.

#include <cstdint>
#include <optional>
#include <string_view>

namespace tether::routing {

struct SetCookieView {
  std::string_view name;
  std::string_view value;
  bool deletes = false;  // the application expires the cookie (logout)
};

std::optional<SetCookieView> parseSetCookie(std::string_view field_value, int64_t now_unix_s);

} // namespace tether::routing
