#pragma once
// Json: a small strict JSON reader (RFC 8259) for the tests' view of tether's JSON answers (the
// admin API's /status, /reload, errors). Test-only and written independently of tether's
// JsonWriter, so the tests do not judge the writer with its own assumptions.
//
// Strict: one value with optional surrounding whitespace and nothing else; no leading zeros,
// trailing commas, control characters in strings, lone surrogates or duplicate member names;
// at most 64 levels of nesting. Numbers are read as double. Pure; any thread.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::test {

// A parsed JSON value. Lookups of missing members or out-of-range indexes return a shared null
// value, so chains like status["backends"][0]["drain"]["policy"] never throw.
class Json {
public:
  enum class Type { Null = 0, Bool, Number, String, Array, Object };

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  // The value, or a neutral one (false, 0, "") when the type differs.
  bool boolean() const { return type_ == Type::Bool && bool_; }
  double number() const { return type_ == Type::Number ? number_ : 0; }
  const std::string& str() const { return string_; }
  // The number, or nullopt when this is not a number (so `j["n"].asNumber() == 0` fails on a
  // missing member instead of passing as number() would).
  std::optional<double> asNumber() const {
    return type_ == Type::Number ? std::optional<double>(number_) : std::nullopt;
  }

  // Whether this is an object with member `key`.
  bool has(std::string_view key) const;
  const Json& operator[](std::string_view key) const;
  const Json& operator[](size_t index) const;
  size_t size() const { return type_ == Type::Array ? items_.size() : members_.size(); }
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }

  // Strict: one value, optional surrounding whitespace, nothing else. nullopt + `error` (with the
  // byte offset) else.
  static std::optional<Json> parse(std::string_view text, std::string* error = nullptr);

private:
  friend class JsonParser;
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

} // namespace tether::test
