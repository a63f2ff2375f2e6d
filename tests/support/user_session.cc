#include "tests/support/user_session.h"

#include <sstream>

#include "tests/support/http_message.h"

namespace tether::test {

using namespace std::chrono_literals;

void applySetCookie(std::map<std::string, std::string>& jar, std::string_view field) {
  const size_t semi = field.find(';');
  const std::string_view pair = trim(field.substr(0, semi));
  const size_t eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return;
  const std::string name(trim(pair.substr(0, eq)));
  const std::string value(trim(pair.substr(eq + 1)));
  bool expire = value.empty();
  if (semi != std::string_view::npos) {
    std::string_view attrs = field.substr(semi + 1);
    while (!attrs.empty()) {
      const size_t next = attrs.find(';');
      const std::string_view attr = trim(attrs.substr(0, next));
      attrs = next == std::string_view::npos ? std::string_view{} : attrs.substr(next + 1);
      if (attr.size() > 8 && equalsIgnoreCase(attr.substr(0, 8), "max-age=")) {
        const std::string_view age = attr.substr(8);
        if (age.empty() || age[0] == '-' || age == "0") expire = true;
      }
    }
  }
  if (expire) {
    jar.erase(name);
  } else {
    jar[name] = value;
  }
}

BrowserReply Browser::request(User& user, size_t slot, const std::string& target) {
  BrowserReply out;
  auto& conn = conns_[slot % conns_.size()];
  if (!conn || !conn->connected() || conn->peerClosed()) {
    conn.emplace(port_, ClientOptions{0, 2000ms});
    if (!conn->connected()) {
      out.error = conn->lastError();
      conn.reset();
      return out;
    }
  }
  HeaderList headers;
  if (!user.jar.empty()) {
    std::string cookie;
    for (const auto& [k, v] : user.jar) {
      if (!cookie.empty()) cookie += "; ";
      cookie += k + "=" + v;
    }
    headers.add("Cookie", cookie);
  }
  auto r = conn->roundTrip(buildRequest("GET", target, headers), 3000ms);
  if (!r || !r->complete) {
    out.error = conn->lastError().empty() ? "incomplete response" : conn->lastError();
    conn.reset();
    return out;
  }
  out.status = r->status;
  out.backend = r->headers.get("X-Backend").value_or("");
  out.body = r->body;
  for (const auto& field : r->headers.getAll("Set-Cookie")) applySetCookie(user.jar, field);
  if (r->headers.hasToken("Connection", "close") || r->close_delimited) conn.reset();
  ++requests_;
  return out;
}

std::string describe(const User& u, const std::string& target, const BrowserReply& r) {
  std::ostringstream s;
  s << u.name << " GET " << target << " (session on " << (u.backend.empty() ? "-" : u.backend)
    << ") -> ";
  if (r.status == 0) {
    s << "no response: " << r.error;
  } else {
    std::string body = r.body;
    if (!body.empty() && body.back() == '\n') body.pop_back();
    s << r.status << " X-Backend=" << (r.backend.empty() ? "(none)" : r.backend) << " \"" << body
      << "\"";
  }
  return s.str();
}

} // namespace tether::test
