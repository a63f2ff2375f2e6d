#include "login_sessions.h"

namespace tether::demo {
namespace {

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

} // namespace

LoginSessions::LoginSessions() {
  std::random_device rd;
  std::seed_seq seed{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
  rng_.seed(seed);
}

std::string LoginSessions::create(std::string_view user) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = rng_();
    for (int i = 0; i < 16; ++i, bits >>= 4) token[half * 16 + i] = kHex[bits & 0xF];
  }
  if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
  sessions_.insert_or_assign(token, std::string(user));
  return token;
}

std::optional<std::string_view> LoginSessions::find(std::string_view token) const {
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  return std::string_view(it->second);
}

bool LoginSessions::erase(std::string_view token) {
  auto it = sessions_.find(token);  // erase(key) is not heterogeneous until C++23
  if (it == sessions_.end()) return false;
  sessions_.erase(it);
  return true;
}

std::optional<std::string_view> findCookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trimSpaces(pair.substr(0, eq)) != name) continue;
    std::string_view value = trimSpaces(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

bool validUserName(std::string_view user) {
  if (user.empty() || user.size() > 64) return false;
  for (char c : user) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

} // namespace tether::demo
