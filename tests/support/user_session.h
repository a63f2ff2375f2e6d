#pragma once
// Simulated browser users for end-to-end scenarios (demo_scenario_test.cc): each User keeps a
// cookie jar and what the scenario believes about its session; a Browser sends requests as any
// user over a handful of shared keep-alive connections, the way many users behind few
// connections look to tether.
//
// Cookies: the jar sends every cookie it holds on every request and applies each Set-Cookie of
// the answer (name=value; an empty value or Max-Age <= 0 deletes). Domain, Path, Expires and
// Secure are ignored: everything is one origin on 127.0.0.1.
//
// Test-only; no Catch2 (failures are values for the caller to report). Single-threaded.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/test_client.h"

namespace tether::test {

struct User {
  std::string name;
  std::map<std::string, std::string> jar;  // cookie name -> value
  std::string backend;                     // where the session lives (X-Backend at login)
  bool logged_in = false;
  bool logged_out_voluntarily = false;     // the user logged out on purpose
};

// One answer as a user saw it.
struct BrowserReply {
  int status = 0;  // 0: transport failure (error says why)
  std::string backend;  // X-Backend, "" when absent
  std::string body;
  std::string error;
};

// Applies one Set-Cookie field to a jar: sets name=value, or deletes it (empty value, Max-Age<=0).
void applySetCookie(std::map<std::string, std::string>& jar, std::string_view field);

// A handful of keep-alive connections to tether, reconnected when tether closes one (it closes
// after every error response).
class Browser {
public:
  static constexpr size_t kConnections = 4;

  explicit Browser(uint16_t port) : port_(port), conns_(kConnections) {}

  // One GET of `target` as `user` on connection `slot` (mod kConnections): sends the jar's
  // cookies, applies Set-Cookie.
  BrowserReply request(User& user, size_t slot, const std::string& target);

  // Requests answered so far.
  size_t requests() const { return requests_; }

private:
  uint16_t port_;
  std::vector<std::optional<TestClient>> conns_;
  size_t requests_ = 0;
};

// One line for a failure message: `u`, the request, and what came back.
std::string describe(const User& u, const std::string& target, const BrowserReply& r);

} // namespace tether::test
