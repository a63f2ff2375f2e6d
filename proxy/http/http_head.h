#pragma once
// HttpHead: one parsed request or response head (start line + header fields), stored compactly.
//
// All bytes live in one growing string (`raw_`) and the fields are offset pairs into it, so a head
// costs one allocation that is reused from request to request on a keep-alive connection.
// Filled by Http1Parser; read by the connection code and by routing through RequestView.
// Loop thread only; no locking.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::proxy::http {

// ASCII case-insensitive equality for header names and tokens.
bool equalsIgnoreCase(std::string_view a, std::string_view b);
// True when the comma-separated token list `list` contains `token` (case-insensitive).
bool listContainsToken(std::string_view list, std::string_view token);
std::string_view trimOws(std::string_view s);

class HttpHead {
public:
  struct Field {
    uint32_t name_off, name_len, value_off, value_len;
  };

  void clear();

  // Parser side: append pieces as llhttp delivers them (a piece may be split across reads).
  void appendMethod(std::string_view s) { append(s, method_); }
  void appendTarget(std::string_view s) { append(s, target_); }
  void appendReason(std::string_view s) { append(s, reason_); }
  void appendFieldName(std::string_view s);
  void appendFieldValue(std::string_view s);

  std::string_view method() const { return view(method_); }
  std::string_view target() const { return view(target_); }
  std::string_view reason() const { return view(reason_); }
  int status = 0;
  uint8_t http_major = 1;
  uint8_t http_minor = 1;

  size_t fieldCount() const { return fields_.size(); }
  std::string_view name(size_t i) const { return {raw_.data() + fields_[i].name_off, fields_[i].name_len}; }
  std::string_view value(size_t i) const;
  // First field with this name, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const { return getAt(name, 0); }
  // The index-th field with this name, or nullopt.
  std::optional<std::string_view> getAt(std::string_view name, size_t index) const;
  size_t count(std::string_view name) const;

  // Bytes of the head as received (request line + fields), for limits.
  size_t size() const { return raw_.size(); }

private:
  struct Span {
    uint32_t off = 0, len = 0;
  };
  void append(std::string_view s, Span& span);
  std::string_view view(Span s) const { return {raw_.data() + s.off, s.len}; }

  std::string raw_;
  std::vector<Field> fields_;
  Span method_, target_, reason_;
  bool in_value_ = false;
};

} // namespace tether::proxy::http
