#include "proxy/http/http_head.h"

namespace tether::proxy::http {

namespace {
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
} // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool listContainsToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trimOws(list.substr(0, comma));
    if (equalsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

void HttpHead::clear() {
  raw_.clear();
  fields_.clear();
  method_ = target_ = reason_ = {};
  status = 0;
  http_major = http_minor = 1;
  in_value_ = false;
}

void HttpHead::append(std::string_view s, Span& span) {
  if (span.len == 0) span.off = static_cast<uint32_t>(raw_.size());
  raw_.append(s);
  span.len += static_cast<uint32_t>(s.size());
}

void HttpHead::appendFieldName(std::string_view s) {
  // A name piece after a value starts a new field; llhttp may split either across reads.
  if (fields_.empty() || in_value_) {
    fields_.push_back({static_cast<uint32_t>(raw_.size()), 0, 0, 0});
    in_value_ = false;
  }
  raw_.append(s);
  fields_.back().name_len += static_cast<uint32_t>(s.size());
}

void HttpHead::appendFieldValue(std::string_view s) {
  if (fields_.empty()) return;
  auto& f = fields_.back();
  if (!in_value_) {
    f.value_off = static_cast<uint32_t>(raw_.size());
    in_value_ = true;
  }
  raw_.append(s);
  f.value_len += static_cast<uint32_t>(s.size());
}

std::string_view HttpHead::value(size_t i) const {
  // llhttp hands values with leading OWS stripped but may keep trailing OWS.
  return trimOws({raw_.data() + fields_[i].value_off, fields_[i].value_len});
}

std::optional<std::string_view> HttpHead::getAt(std::string_view n, size_t index) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (equalsIgnoreCase(name(i), n) && index-- == 0) return value(i);
  }
  return std::nullopt;
}

size_t HttpHead::count(std::string_view n) const {
  size_t c = 0;
  for (size_t i = 0; i < fields_.size(); ++i) c += equalsIgnoreCase(name(i), n) ? 1 : 0;
  return c;
}

} // namespace tether::proxy::http
